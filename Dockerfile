# refund-bot: a small runtime image. Build: docker build -t refund-bot .
# Run:   docker run -d --name refund-bot -e DISCORD_TOKEN -v refund-bot-data:/data -p 127.0.0.1:8080:8080 refund-bot
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin refund-bot

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /data --shell /usr/sbin/nologin refund
COPY --from=build /src/target/release/refund-bot /usr/local/bin/refund-bot
COPY refund-bot.example.toml /etc/refund-bot/refund-bot.example.toml
# The database, refund-bot.toml and policy.toml live on the volume; secrets come from the environment.
VOLUME ["/data"]
WORKDIR /data
USER refund
ENV REFUND_BOT_CONFIG=/data/refund-bot.toml
EXPOSE 8080
# Exec form, no shell: `refund-bot health` GETs /healthz on [http] listen (read from
# REFUND_BOT_CONFIG) and exits 0 on 200, 1 otherwise; it gives up after 4 s.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s CMD ["/usr/local/bin/refund-bot", "health"]
ENTRYPOINT ["/usr/local/bin/refund-bot"]
CMD ["run"]
