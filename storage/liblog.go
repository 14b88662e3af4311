package storage

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/redis/go-redis/v9"
)

// LogClientTo sends the go-redis client's own log lines (a failed dial,
// a Sentinel failover) to log at debug level. Without it they go to
// standard error in the library's format, ahead of tori's one line
// about the same failure. The library has one logger per process: the
// last call wins.
func LogClientTo(log *slog.Logger) {
	redis.SetLogger(clientLog{log})
}

type clientLog struct{ log *slog.Logger }

func (l clientLog) Printf(ctx context.Context, format string, v ...any) {
	if !l.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	l.log.DebugContext(ctx, "redis client", "said", strings.TrimSpace(fmt.Sprintf(format, v...)))
}
