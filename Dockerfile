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
EXPOSE 8080
ENTRYPOINT ["/tori"]
