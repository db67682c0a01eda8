# The worker image used by docker-compose.yml: the sources run through tsx, as on a laptop.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY examples ./examples
COPY tsconfig.json ./
ENV BATCH_DATA_DIR=/data
CMD ["node", "bin/batch-inference.js", "worker"]
