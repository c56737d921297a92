# The dashboard image (web server or worker, see docker-compose.yml). Built from the repository
# root; `npm ci` here has the internet, so Prisma's schema engine for Postgres migrations is
# fetched at build time.
FROM node:20-bookworm
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1 ONNXRUNTIME_NODE_INSTALL=skip CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1 NX_DAEMON=false NX_NO_CLOUD=true
COPY . .
RUN npm ci --no-audit --no-fund && npm run build -w @gradloc/dashboard
EXPOSE 3000
CMD ["node", "apps/dashboard/scripts/start.mjs"]
