#!/bin/sh
# township-node @VERSION@ 离线安装（统信 UOS、麒麟 Kylin 及其他 x86-64 Linux）
# Offline install of township-node @VERSION@ on x86-64 Linux (UOS, Kylin, Debian).
#
#   sh install.sh [安装目录 / install folder]      default: $HOME/township-node
#   PYTHON=/opt/python3.11/bin/python3 sh install.sh   use a Python 3.11-3.13 that is not first on PATH
#
# Needs no network and compiles nothing: every package is a wheel in ./wheelhouse.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
TARGET=${1:-"$HOME/township-node"}
PYTHON=${PYTHON:-}

fail() {
    echo "安装失败：$1" >&2
    echo "install failed: $2" >&2
    exit 2
}

if [ -z "$PYTHON" ]; then
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c \
            'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 13) else 1)' 2>/dev/null; then
            PYTHON=$candidate
            break
        fi
    done
fi
[ -n "$PYTHON" ] || fail "本机没有 Python 3.11、3.12 或 3.13，请先按《README-安装说明.txt》第 2 步安装 Python。" \
    "no Python 3.11-3.13 found; install one first (see README-安装说明.txt, step 2), or set PYTHON=/path/to/python3"
"$PYTHON" -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 13) else 1)' \
    || fail "$PYTHON 的版本不是 3.11 至 3.13。" "$PYTHON is not Python 3.11-3.13"

if command -v sha256sum >/dev/null 2>&1; then
    (cd "$HERE" && sha256sum --quiet -c SHA256SUMS) \
        || fail "U 盘上的文件已损坏（校验不符），请重新拷贝安装包。" "files on the stick are damaged (SHA256SUMS mismatch); copy the bundle again"
fi

"$PYTHON" -m venv "$TARGET/venv" \
    || fail "无法创建 Python 虚拟环境；在 UOS/麒麟上请先安装 python3-venv 软件包。" \
        "cannot create a virtual environment; install the python3-venv package"
"$TARGET/venv/bin/python" -m pip install --no-index --find-links "$HERE/wheelhouse" \
    --only-binary=:all: --disable-pip-version-check "township-sync==@VERSION@" \
    || fail "安装软件包失败，请把上面的英文信息拍照发给县级管理员。" "pip could not install from the wheelhouse (see above)"

mkdir -p "$TARGET/bin"
cat > "$TARGET/bin/township-node" <<WRAPPER
#!/bin/sh
exec "$TARGET/venv/bin/township-node" "\$@"
WRAPPER
chmod 755 "$TARGET/bin/township-node"

"$TARGET/venv/bin/township-node" --help >/dev/null \
    || fail "软件已安装但无法启动。" "installed, but township-node does not start"
echo "安装完成：$TARGET/bin/township-node"
echo "installed: $TARGET/bin/township-node (version @VERSION@)"
