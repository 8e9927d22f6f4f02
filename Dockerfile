# zhicheng: one image for the worker, the scheduler, the HTTP endpoint and the CLI.
FROM python:3.11-slim-bookworm
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      tesseract-ocr tesseract-ocr-chi-sim fonts-noto-cjk poppler-utils \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY pipeline ./pipeline
COPY workers ./workers
COPY intake ./intake
COPY reports ./reports
COPY zhicheng ./zhicheng
RUN pip install --no-cache-dir .
ENV ZHICHENG_DATA_DIR=/data OMP_THREAD_LIMIT=1
VOLUME ["/data"]
ENTRYPOINT ["zhicheng"]
CMD ["--help"]
