#!/usr/bin/env bash
# Build .pgvector/: the PostgreSQL with pgvector that tests/app/test_semantic_store.py, test_pgvector.py and
# test_db_bootstrap.py serve (the machine's PostgreSQL has no pgvector).
#
# - PostgreSQL 16.2: the relocatable build inside the pinned pgserver wheel (requirements/pgvector.txt, checked by
#   pip's --require-hashes), installed with `pip --target` so its executable bits survive. Only its binaries, headers
#   and PGXS are used, not its Python side.
# - pgvector 0.8.0: compiled here from Debian's source package (pinned below with the sha256 of the upstream tarball)
#   with OPTFLAGS="" (what Debian's no-native patch does): baseline x86-64 or arm64 code plus pgvector's own
#   run-time CPU dispatch. A prebuilt vector.so is compiled with -march=native and dies with SIGILL ("illegal
#   instruction") on a CPU without the builder's instructions (AVX-512 on AMD EPYC before Zen 4, most CI runners).
#   0.8.0 is the newest source Debian's stable release (trixie) serves; it does not build against PostgreSQL 18,
#   hence PostgreSQL 16.
#
# Needs apt-get (Debian's source index, read with a private configuration: nothing on the machine is changed, no root
# needed), a C compiler and make. scripts/check_test_binaries.py then runs the result once (make setup-test).
# Idempotent: the Makefile's stamp reruns it when this script or requirements/pgvector.txt change.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${PGVECTOR_HOME:-$repo_root/.pgvector}"
python="${PYTHON:-python3}"

PGVECTOR_SOURCE_PACKAGE="pgvector=0.8.0-1"  # Debian trixie (stable) main
PGVECTOR_TARBALL="pgvector_0.8.0.orig.tar.gz"
PGVECTOR_SHA256="867a2c328d4928a5a9d6f052cd3bc78c7d60228a9b914ad32aa3db88e9de27b0"
DEBIAN_SOURCES="deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main"

fail() {
    echo "error: setup-pgvector: $*" >&2
    exit 1
}
for tool in apt-get make cc tar sha256sum; do
    command -v "$tool" >/dev/null || fail "$tool is missing: pgvector is compiled at set-up (apt-get install -y build-essential; apt-get comes with Debian or Ubuntu)"
done
[[ -r /usr/share/keyrings/debian-archive-keyring.gpg ]] \
    || fail "Debian's archive keyring is missing (apt-get install -y debian-archive-keyring): it verifies the pgvector source"

work="$(mktemp -d "${TMPDIR:-/tmp}/setup-pgvector.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# PostgreSQL: a fresh copy of the pinned wheel, laid out as pip lays it (its binaries find their libraries in
# pgserver.libs/ through a relative rpath). Its Python side is never imported.
rm -rf "$dest"
"$python" -m pip install --quiet --disable-pip-version-check --no-deps --no-compile --only-binary=:all: \
    --require-hashes --target "$dest" -r "$repo_root/requirements/pgvector.txt"
pg_config="$dest/pgserver/pginstall/bin/pg_config"
"$pg_config" --version >/dev/null || fail "$pg_config does not run on this machine"

# pgvector's source, through apt's own client and signature checks, into this temporary folder only.
mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/src"
echo "$DEBIAN_SOURCES" > "$work/apt/sources.list"
apt_options=(
    -o "Dir::Etc::SourceList=$work/apt/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::Lists=$work/apt/lists" -o "Dir::Cache=$work/apt/cache" -o "Debug::NoLocking=1"
    -o "APT::Sandbox::User=$(id -un)"
)
apt-get "${apt_options[@]}" -qq update || fail "could not read Debian's source index (deb.debian.org, trixie)"
(cd "$work/src" && apt-get "${apt_options[@]}" -qq source --download-only "$PGVECTOR_SOURCE_PACKAGE") \
    || fail "Debian no longer serves $PGVECTOR_SOURCE_PACKAGE: pin the version trixie has now (apt-cache showsrc pgvector) and its sha256 in scripts/setup-pgvector.sh"
echo "$PGVECTOR_SHA256  $work/src/$PGVECTOR_TARBALL" | sha256sum --check --quiet \
    || fail "$PGVECTOR_TARBALL does not match the pinned sha256"
tar -xzf "$work/src/$PGVECTOR_TARBALL" -C "$work/src"

make -C "$work/src/pgvector-0.8.0" --silent PG_CONFIG="$pg_config" OPTFLAGS="" >/dev/null
make -C "$work/src/pgvector-0.8.0" --silent PG_CONFIG="$pg_config" OPTFLAGS="" install >/dev/null
echo "pgvector 0.8.0 (portable build) installed into $dest on $("$pg_config" --version)"
