# township-node @VERSION@ 离线安装（Windows x86-64）
# Offline install of township-node @VERSION@ on Windows: no network, nothing compiled.
#   powershell -ExecutionPolicy Bypass -File install.ps1 [-Target 安装目录] [-Python C:\Python312\python.exe]
param(
    [string]$Target = (Join-Path $env:LOCALAPPDATA "township-node"),
    [string]$Python = ""
)
$ErrorActionPreference = "Stop"
$Here = Split-Path -Parent $MyInvocation.MyCommand.Path

function Fail($zh, $en) {
    Write-Host "安装失败：$zh" -ForegroundColor Red
    Write-Host "install failed: $en"
    exit 2
}

function Test-Python($exe, $extra) {
    try {
        & $exe @extra -c "import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 13) else 1)" 2>$null
        return $LASTEXITCODE -eq 0
    } catch { return $false }
}

$PyArgs = @()
if ($Python -eq "") {
    foreach ($v in @("-3.13", "-3.12", "-3.11")) {
        if ((Get-Command py -ErrorAction SilentlyContinue) -and (Test-Python "py" @($v))) {
            $Python = "py"; $PyArgs = @($v); break
        }
    }
}
if ($Python -eq "" -and (Get-Command python -ErrorAction SilentlyContinue) -and (Test-Python "python" @())) {
    $Python = "python"
}
if ($Python -eq "" -or -not (Test-Python $Python $PyArgs)) {
    Fail "本机没有 Python 3.11、3.12 或 3.13，请先按《README-安装说明.txt》第 2 步安装 Python。" `
         "no Python 3.11-3.13 found; install one first (README-安装说明.txt, step 2) or pass -Python"
}

foreach ($line in Get-Content (Join-Path $Here "SHA256SUMS")) {
    $parts = $line -split "  ", 2
    if ($parts.Count -ne 2) { continue }
    $file = Join-Path $Here ($parts[1] -replace "/", "\")
    if (-not (Test-Path $file) -or (Get-FileHash -Algorithm SHA256 $file).Hash.ToLower() -ne $parts[0]) {
        Fail "U 盘上的文件已损坏（$($parts[1]) 校验不符），请重新拷贝安装包。" `
             "$($parts[1]) is damaged (SHA256SUMS mismatch); copy the bundle again"
    }
}

& $Python @PyArgs -m venv (Join-Path $Target "venv")
if ($LASTEXITCODE -ne 0) { Fail "无法创建 Python 虚拟环境。" "cannot create a virtual environment" }
$VenvPython = Join-Path $Target "venv\Scripts\python.exe"
& $VenvPython -m pip install --no-index --find-links (Join-Path $Here "wheelhouse") `
    --only-binary=:all: --disable-pip-version-check "township-sync==@VERSION@"
if ($LASTEXITCODE -ne 0) {
    Fail "安装软件包失败，请把上面的英文信息拍照发给县级管理员。" "pip could not install from the wheelhouse (see above)"
}
$Exe = Join-Path $Target "venv\Scripts\township-node.exe"
& $Exe --help | Out-Null
if ($LASTEXITCODE -ne 0) { Fail "软件已安装但无法启动。" "installed, but township-node does not start" }
Write-Host "安装完成：$Exe"
Write-Host "installed: $Exe (version @VERSION@)"
