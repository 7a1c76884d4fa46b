# Postgres 15 for one grading run: throwaway data, fsync off, every client trusted (it listens only
# on the run's own container network and an ephemeral loopback port of the host).
ARG BASE
FROM ${BASE}
RUN test -x /usr/lib/postgresql/15/bin/postgres \
  || (apt-get update && apt-get install -y --no-install-recommends postgresql-15 && rm -rf /var/lib/apt/lists/*)
USER postgres
RUN /usr/lib/postgresql/15/bin/initdb -D /var/lib/postgresql/grading --auth=trust --no-sync -U postgres >/dev/null \
  && echo "host all all 0.0.0.0/0 trust" >> /var/lib/postgresql/grading/pg_hba.conf
EXPOSE 5432
STOPSIGNAL SIGQUIT
CMD ["/usr/lib/postgresql/15/bin/postgres", "-D", "/var/lib/postgresql/grading", "-k", "/tmp", \
     "-c", "listen_addresses=*", "-c", "fsync=off", "-c", "synchronous_commit=off", \
     "-c", "full_page_writes=off", "-c", "max_connections=300", "-c", "shared_buffers=128MB"]
