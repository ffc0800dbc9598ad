#!/bin/sh
# Install R, the survey package and psych for the analysis R cross-check (idempotent).
set -eu
if command -v Rscript >/dev/null 2>&1 \
   && Rscript -e 'quit(status = !all(c("survey", "psych") %in% rownames(installed.packages())))' >/dev/null 2>&1
then
    echo "R with survey and psych already installed"
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends r-base-core r-cran-survey r-cran-psych
