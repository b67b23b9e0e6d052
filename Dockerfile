# syntax=docker/dockerfile:1
# pasched: one static binary on a distroless base, running as a non-root
# user, SQLite data in the /data volume (or PostgreSQL via DATABASE_URL).
#
#   docker build -t pasched .
#   docker run -p 8000:8000 -v pasched-data:/data pasched
#   docker run --rm -v pasched-data:/data pasched createadmin --email … --password …

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Pure Go (modernc SQLite, pgx): no C toolchain, a static binary.
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags='-s -w' -o /out/pasched ./cmd/pasched \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/pasched /usr/local/bin/pasched
# The nonroot user (65532) owns the data directory.
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /data
ENV DATABASE_URL=sqlite:////data/pasched.db \
    ALLOWED_HOSTS=localhost,127.0.0.1 \
    EMAIL_BACKEND=console
VOLUME ["/data"]
EXPOSE 8000
USER 65532:65532
# No curl in the image: the binary asks its own /healthz.
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/pasched", "healthcheck", "--addr", "127.0.0.1:8000"]
ENTRYPOINT ["/usr/local/bin/pasched"]
CMD ["serve", "--addr", ":8000"]
