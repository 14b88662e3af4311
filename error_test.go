package tori_test

import (
	"errors"
	"io/fs"
	"testing"

	"github.com/tori-bot/tori"
)

func TestWrapErrorKeepsItsCause(t *testing.T) {
	cause := &fs.PathError{Op: "read", Path: "x", Err: fs.ErrNotExist}
	err := tori.WrapError(tori.EUNAVAILABLE, cause, "could not read %s", "x")

	if tori.ErrorCode(err) != tori.EUNAVAILABLE || tori.ErrorMessage(err) != "could not read x" {
		t.Fatalf("code %q, message %q", tori.ErrorCode(err), tori.ErrorMessage(err))
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("errors.Is does not see the cause")
	}
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe != cause {
		t.Fatal("errors.As does not see the cause")
	}
	if err.Error() != "tori: code=unavailable message=could not read x" {
		t.Fatalf("Error() = %q", err.Error())
	}

	t.Run("OuterCodeWins", func(t *testing.T) {
		inner := tori.Errorf(tori.ENOTFOUND, "not found")
		outer := tori.WrapError(tori.EINTERNAL, inner, "lost")
		if tori.ErrorCode(outer) != tori.EINTERNAL || !errors.Is(outer, inner) {
			t.Fatalf("code %q, is inner %v", tori.ErrorCode(outer), errors.Is(outer, inner))
		}
	})
	t.Run("NoCause", func(t *testing.T) {
		if errors.Unwrap(tori.Errorf(tori.EINVALID, "bad")) != nil {
			t.Fatal("Errorf has a cause")
		}
	})
}
