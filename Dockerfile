# Builds Docker Watcher with its web UI. Not used by the tests.
FROM node:20-bookworm AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

FROM golang:1.26-bookworm AS go
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=web /src/web/build ./web/build
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/docker-watcher ./cmd/docker-watcher

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=go /out/docker-watcher /usr/local/bin/docker-watcher
ENV DW_LISTEN=0.0.0.0:8080 DW_PROXY_LISTEN=0.0.0.0:80 DW_DATA=/data
EXPOSE 8080 80
# Root inside the container: it needs the mounted Docker socket and port 80.
USER 0
VOLUME /data
ENTRYPOINT ["/usr/local/bin/docker-watcher"]
CMD ["serve"]
