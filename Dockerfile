# Multi-stage build: a static tori binary on a minimal image. Time zone data
# is compiled into the binary (time/tzdata).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/tori ./cmd/tori

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tori /tori
WORKDIR /app
# In the image an empty TELEGRAM_BOT_TOKEN stops tori with a line saying
# so, rather than starting the local preview.
ENV TORI_IN_CONTAINER=1
# The public port only: metrics (METRICS_ADDR) are never exposed, so that
# `docker run -P` cannot publish them.
EXPOSE 8080
ENTRYPOINT ["/tori"]
