@echo off
rem Offline install of township-node @VERSION@ on Windows (x86-64). Chinese steps: README-安装说明.txt
rem   install.bat [install folder]     default: %LOCALAPPDATA%\township-node
rem Runs install.ps1, which checks the files, finds Python 3.11-3.13 and installs from .\wheelhouse.
setlocal
powershell -NoProfile -ExecutionPolicy Bypass -File "%~dp0install.ps1" %*
set RESULT=%ERRORLEVEL%
pause
exit /b %RESULT%
