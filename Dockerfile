# syntax=docker/dockerfile:1
# One image for every Featureflow process: `featureflow worker`, `featureflow serve`, `featureflow apply`,
# `featureflow schedules apply`, ... (the command is the container's arguments). Configuration comes from the
# environment only (README, "Deploying"); the repo is mounted at /repo.
#
#   docker build -t featureflow .
#   docker run --rm -v "$PWD/my-repo:/repo" -e REDIS_URL=redis://redis:6379/0 featureflow serve

ARG NODE_IMAGE=node:20.19.5-bookworm-slim

# ---- build: every dependency, then the build if the package has one, then only production dependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Dev dependencies too: a build step (tsc) needs them; they are pruned below.
RUN npm ci --no-audit --no-fund
COPY . .
# Compiled to dist/: the image runs plain JavaScript (bin/featureflow-dist.js); tsx, a production dependency,
# is only loaded to read repo configs written in TypeScript.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf test bench docs .ci scripts examples/*/data

# ---- runtime ----
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    FEATUREFLOW_CONFIG=/repo \
    FEATUREFLOW_HOST=0.0.0.0 \
    FEATUREFLOW_PORT=6566
WORKDIR /app
COPY --from=build --chown=root:root /app /app
# A repo config outside /app imports 'featureflow' (defineProject, ...): Node looks for it in /node_modules on
# the way up from /repo, so point that at the package. The offline store's default folder is created owned by
# the runtime user, so a named volume mounted there starts writable.
RUN mkdir -p /node_modules /repo/.featureflow/offline \
 && ln -s /app /node_modules/featureflow \
 && chown -R node:node /repo
USER node
# DuckDB's httpfs extension, for an offline store on S3 (docs/offline-store-s3.md): installed at build time into the
# runtime user's DuckDB extension folder, since the engine never downloads at run time. A build without internet
# access still succeeds; only S3 stores then fail, saying how to provide the extension (FEATUREFLOW_DUCKDB_HTTPFS).
RUN node -e "import('@duckdb/node-api').then(async ({ DuckDBInstance }) => { const c = await (await DuckDBInstance.create(':memory:')).connect(); await c.run('INSTALL httpfs'); }).catch((e) => console.error('httpfs not installed:', e.message))"
WORKDIR /repo
EXPOSE 6566
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "/app/deploy/healthcheck.mjs"]
ENTRYPOINT ["node", "/app/bin/featureflow-dist.js"]
CMD ["--help"]
