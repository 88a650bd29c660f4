# Multi-stage image for Fly.io (fly.toml runs it as "web" and "gateway" process groups).
# Node 24, the active LTS; .ci/run runs the whole test suite on the same major (.ci/node-lts).
# Build: dependencies, then `npm run build` (gateway bundle in build/, dashboard in dashboard/build).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY dashboard/package.json dashboard/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Runtime: production dependencies and the built output only; runs as the unprivileged node user.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/build build
COPY --from=build /app/db/migrations db/migrations
COPY --from=build /app/dashboard/package.json dashboard/
COPY --from=build /app/dashboard/build dashboard/build
USER node
EXPOSE 3000 8081
# Without a process group (e.g. `docker run`): gateway and dashboard in one process.
CMD ["node", "build/start.js"]
