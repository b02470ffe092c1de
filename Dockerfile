# One image for every workload of the lab: the training job, the registry CLI, the monitor and the API.
# Built on the worker by scripts/lab/deploy.ts (buildah), which passes NODE_IMAGE from lab.config.json; the
# default below must equal it (tests/lab check).
#   job:      node dist/jobs/train/main.js [--as-of YYYY-MM-DD] [--dry-run]
#   registry: node dist/jobs/registry/main.js <list|promote VERSION|rollback [VERSION]>
#   monitor:  node dist/jobs/monitor/main.js
#   API:      node dist/api/server.js   (default command)
ARG NODE_IMAGE=docker.io/library/node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY lib ./lib
COPY jobs ./jobs
COPY api ./api
RUN npx tsc -p tsconfig.build.json \
 && find lib jobs api -type f ! -name '*.ts' -exec cp --parents {} dist/ \;

FROM ${NODE_IMAGE} AS runtime
# The commit the image was first built from (recorded by the job as mlflow.source.git.commit). Deliberately not
# part of the content-hash tag: a commit that changes nothing in the image does not rebuild it.
ARG GIT_COMMIT
ENV NODE_ENV=production GIT_COMMIT=${GIT_COMMIT}
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Numeric UID/GID (the image's `node` user): the kubelet can only verify runAsNonRoot with a numeric user.
USER 1000:1000
EXPOSE 30951
# node is PID 1 (no npm wrapper), so SIGTERM reaches the app's handler.
CMD ["node", "dist/api/server.js"]
