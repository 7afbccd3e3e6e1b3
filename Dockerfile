# Multi-stage build of govwatch: build with the Rust toolchain, run on a small Debian
# image as a non-root user.
#   docker build -t govwatch .
#   docker run --rm -v govwatch-data:/var/lib/govwatch -v "$PWD/config:/etc/govwatch:ro" \
#     -p 127.0.0.1:9187:9187 govwatch
FROM rust:1.94-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
COPY config ./config
RUN cargo build --release --locked && strip target/release/govwatch

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /var/lib/govwatch --shell /usr/sbin/nologin govwatch \
    && mkdir -p /var/lib/govwatch /etc/govwatch \
    && chown govwatch:govwatch /var/lib/govwatch
COPY --from=build /src/target/release/govwatch /usr/local/bin/govwatch
COPY config /etc/govwatch
USER govwatch
WORKDIR /var/lib/govwatch
VOLUME ["/var/lib/govwatch"]
ENV GOVWATCH_CONFIG=/etc/govwatch \
    GOVWATCH_DATABASE_URL=sqlite:///var/lib/govwatch/govwatch.db \
    RUST_LOG=info
EXPOSE 9187
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/govwatch", "--log-format", "json"]
CMD ["serve", "--listen", "0.0.0.0:9187"]
