# Production image: one image for web, worker and beat (the command differs).
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY scripts/build_assets.mjs scripts/
COPY static/scss static/scss
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=marketplace.settings.production
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev gcc \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
COPY --from=assets /app/static/build static/build
# collectstatic needs a key and a database URL to import settings (it never
# connects); the real ones come at run time.
RUN DJANGO_SECRET_KEY=build-only DATABASE_URL=postgres://build-only.invalid/unused \
    python manage.py collectstatic --noinput
RUN useradd --system --uid 1000 portal && mkdir -p var && chown portal var
USER portal
EXPOSE 8000
CMD ["gunicorn", "marketplace.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
