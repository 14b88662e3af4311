# Multi-stage build: a static tori binary on a minimal image. Time zone data
# is compiled into the binary (time/tzdata).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The source revision `tori version` shows, since .git stays out of the
# build context (.dockerignore):
#   docker compose build --build-arg TORI_REVISION=$(git rev-parse HEAD)
ARG TORI_REVISION=
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.revision=${TORI_REVISION}" -o /out/tori ./cmd/tori

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tori /tori
WORKDIR /app
# In the image an empty TELEGRAM_BOT_TOKEN stops tori with a line saying
# so, rather than starting the local preview.
ENV TORI_IN_CONTAINER=1
# The public port only: metrics (METRICS_ADDR) are never exposed, so that
# `docker run -P` cannot publish them.
EXPOSE 8080
# The image has no shell and no curl: tori health asks /healthz at
# HTTP_ADDR itself (loopback, when HTTP_ADDR names no host) and exits 1
# when it does not answer 200. The start period covers connecting to
# Redis (at most 5 s) and Telegram (at most 10 s).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/tori", "health"]
ENTRYPOINT ["/tori"]
