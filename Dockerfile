# The worker image used by docker-compose.yml: the CLI built to JavaScript, without dev dependencies.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY examples ./examples
# `npm ci` runs `prepare`, which builds dist/ with the TypeScript compiler; the prune then drops the dev dependencies.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund
ENV BATCH_DATA_DIR=/data
CMD ["node", "bin/batch-inference.js", "worker"]
