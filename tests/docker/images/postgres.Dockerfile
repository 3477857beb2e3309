# Stand-in for the official `postgres:15` image where no registry is reachable (the tests):
# Debian's PostgreSQL (15 on bookworm), initialised from POSTGRES_USER / POSTGRES_PASSWORD /
# POSTGRES_DB on an empty /var/lib/postgresql/data like the official image; `pg_isready` on the PATH.
ARG BASE=debian:bookworm-slim
FROM ${BASE}
RUN mkdir -p /etc/postgresql-common && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
 && chown postgres:postgres /var/lib/postgresql/data /var/run/postgresql && chmod 700 /var/lib/postgresql/data \
 && ln -s /usr/lib/postgresql/*/bin/* /usr/local/bin/
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PGDATA=/var/lib/postgresql/data
USER postgres
EXPOSE 5432
ENTRYPOINT ["sh", "/usr/local/bin/docker-entrypoint.sh"]
