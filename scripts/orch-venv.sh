#!/usr/bin/env bash
# Creates the orchestrator virtualenv the `odibi generate` tests check generated files in:
# Apache Airflow 3 (DagBag import and a real `dag.test()` run) and Dagster (`dagster definitions
# validate`, asset materialisation). It is separate from .venv so Airflow's and Dagster's many
# pins can never move the product's own.
#
#   scripts/orch-venv.sh DEST        e.g. scripts/orch-venv.sh .venv-orch
#
# Airflow publishes its constraint files on GitHub, which this machine cannot reach, so the
# versions below are the ones pip resolved here for apache-airflow==3.3.2 + dagster==1.13.29
# (`pip freeze` of that install); the install is reproducible and does not backtrack.
# Measured here: about 55 s on a warm network, about 330 MB. Re-running is a no-op while this
# file is unchanged (a stamp in DEST records its hash).
set -euo pipefail

DEST="${1:?usage: scripts/orch-venv.sh DEST}"
PY="${PY:-python3.11}"
SELF="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
STAMP="$DEST/.orch-venv-$(sha1sum "$SELF" | cut -c1-12)"

if [ -f "$STAMP" ] && [ -x "$DEST/bin/python" ]; then
  exit 0
fi
if [ -e "$DEST" ] && [ ! -f "$DEST/pyvenv.cfg" ]; then
  echo "orch-venv: $DEST exists and is not a virtualenv; refusing to touch it" >&2
  exit 1
fi
command -v "$PY" >/dev/null 2>&1 || { echo "orch-venv: $PY is required" >&2; exit 1; }

rm -rf "$DEST"
"$PY" -m venv "$DEST"
"$DEST/bin/python" -m pip install -q --upgrade "pip==26.3"

CONSTRAINTS="$(mktemp)"
trap 'rm -f "$CONSTRAINTS"' EXIT
cat >"$CONSTRAINTS" <<'PINS'
a2wsgi==1.10.10
aiosmtplib==5.1.3
aiosqlite==0.22.1
alembic==1.20.1
annotated-doc==0.0.7
annotated-types==0.8.0
antlr4-python3-runtime==4.13.2
anyio==4.16.0
apache-airflow==3.3.2
apache-airflow-core==3.3.2
apache-airflow-providers-common-compat==1.23.0
apache-airflow-providers-common-io==1.11.0
apache-airflow-providers-common-sql==2.4.0
apache-airflow-providers-smtp==3.2.0
apache-airflow-providers-standard==1.21.0
apache-airflow-task-sdk==1.3.2
argcomplete==3.7.2
arrow==1.4.0
asgiref==3.13.0
attrs==26.1.0
babel==2.18.0
cachetools==8.0.1
cadwyn==7.0.0
certifi==2026.10.18
cffi==2.1.1
charset-normalizer==3.5.2
click==8.5.1
coloredlogs==14.0
colorlog==6.12.0
cron_descriptor==2.2.1
croniter==7.0.0
cryptography==50.0.2
dagster==1.13.29
dagster-pipes==1.13.29
dagster-shared==1.13.29
Deprecated==1.3.1
dill==0.4.1
dnspython==2.9.2
docstring_parser==0.18.0
email-validator==2.4.0
fastapi==0.136.3
fastapi-cli==0.0.34
filelock==4.2.12
fsspec==2026.9.0
googleapis-common-protos==1.76.0
greenback==1.3.0
greenlet==3.5.6
grpcio==1.85.1
grpcio-health-checking==1.85.1
h11==0.16.0
httpcore==1.0.9
httptools==0.9.0
httpx==0.28.1
humanfriendly==10.0
idna==3.20
importlib_metadata==10.2.0
isoduration==20.11.0
itsdangerous==2.2.0
Jinja2==3.1.6
jsonschema==4.26.0
jsonschema-specifications==2025.9.1
lazy-importer==0.1.0
lazy-object-proxy==1.13.0
libcst==1.9.0
linkify-it-py==2.2.0
lockfile==0.12.2
Mako==1.4.3
markdown-it-py==4.3.0
MarkupSafe==3.0.4
mdurl==0.1.2
methodtools==0.4.7
more-itertools==11.2.1
msgspec==0.22.0
natsort==8.4.0
opentelemetry-api==1.45.2
opentelemetry-exporter-http-transport==0.66b2
opentelemetry-exporter-otlp==1.45.2
opentelemetry-exporter-otlp-common==0.66b2
opentelemetry-exporter-otlp-proto-common==1.45.2
opentelemetry-exporter-otlp-proto-grpc==1.45.2
opentelemetry-exporter-otlp-proto-http==1.45.2
opentelemetry-proto==1.45.2
opentelemetry-sdk==1.45.2
opentelemetry-semantic-conventions==0.66b2
outcome==1.3.0.post0
packaging==26.3
pathlib_abc==0.5.2
pathspec==1.1.1
pendulum==3.3.0
platformdirs==4.14.7
pluggy==1.7.0
protobuf==7.36.2
psutil==7.2.2
pycparser==3.12
pydantic==2.14.3
pydantic-extra-types==2.11.1
pydantic-settings==2.16.3
pydantic_core==2.50.4
Pygments==2.21.0
pygtrie==2.6.2
PyJWT==2.15.1
python-daemon==3.1.2
python-dateutil==4.0.0
python-dotenv==1.2.4
python-multipart==0.0.34
python-slugify==9.2.0
pytz==2026.6
PyYAML==6.0.3
referencing==0.37.0
requests==2.34.2
rich==15.0.0
rich-argparse==1.8.0
rich-toolkit==0.20.6
rpds-py==2026.9.1
setproctitle==1.3.8
shellingham==1.5.4
six==1.17.0
sniffio==1.3.1
SQLAlchemy==2.1.9
sqlparse==0.6.1
starlette==1.10.0
structlog==26.1.0
svcs==26.2.0
tabulate==0.10.0
tenacity==9.2.1
termcolor==3.3.0
text-unidecode==1.3
tomli==2.5.0
tomlkit==0.15.2
toposort==1.10
tqdm==4.70.1
typer==0.29.2
typing-inspection==0.4.5
typing_extensions==4.16.0
tzdata==2026.6
universal_pathlib==0.3.10
urllib3==2.8.0
uuid6==2025.0.1
uvicorn==0.54.0
uvloop==0.23.0
watchdog==6.0.0
watchfiles==1.3.0
websockets==17.4
wirerope==1.0.0
wrapt==2.5.2
zipp==4.1.2
PINS

"$DEST/bin/python" -m pip install -q -c "$CONSTRAINTS" "apache-airflow==3.3.2" "dagster==1.13.29"
"$DEST/bin/python" -c "import airflow.sdk, dagster; print('orch-venv: airflow', airflow.__version__, '/ dagster', dagster.__version__)"
touch "$STAMP"
