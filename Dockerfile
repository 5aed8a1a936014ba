# POM production image: gunicorn for the web, the same image runs the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Pango for WeasyPrint (QBR pack, Wrapped and scheduled-report PDFs); DejaVu fonts for PDFs and Wrapped images.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 1000 pom

COPY pyproject.toml ./
RUN pip install .

COPY . .
# Static files are collected at build time and served by whitenoise; the key is a build-only placeholder.
RUN DJANGO_DEBUG=False DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && mkdir -p /app/media && chown -R pom:pom /app/media

USER pom
EXPOSE 8000
CMD ["gunicorn", "pom.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
