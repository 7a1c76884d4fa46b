# Redis 7 for one grading run: no persistence.
ARG BASE
FROM ${BASE}
RUN command -v redis-server >/dev/null \
  || (apt-get update && apt-get install -y --no-install-recommends redis-server && rm -rf /var/lib/apt/lists/*)
USER redis
EXPOSE 6379
CMD ["redis-server", "--port", "6379", "--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no", "--dir", "/tmp"]
