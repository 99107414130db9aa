@echo off
rem build.bat - build ConsoleAppListener, ConsoleAppController and the tests on Windows.
rem
rem   build.bat               build bin\ConsoleAppController.exe, bin\ConsoleAppListener.exe,
rem                           bin\ipc_tests.exe and common\ as a static library for a worker
rem                           of one's own (bin\ipc.lib with cl, bin\libipc.a with gcc)
rem   build.bat test          build, then run bin\ipc_tests.exe
rem   build.bat run [ARGS]    build, then start bin\ConsoleAppController.exe ARGS
rem   build.bat bench [ARGS]  build and run bin\ipc_bench.exe ARGS (needs tests\bench\;
rem                           e.g. --quick; the table also goes to bin\ipc_bench_results.md)
rem   build.bat --x86 ...     the same, allowing a 32-bit build (an x86 prompt, a 32-bit gcc)
rem
rem Compiler: cl when it is on PATH; else the latest Visual Studio with the C++
rem tools, found with vswhere.exe (its vcvars64.bat is called); else gcc
rem (MinGW-w64) on PATH. Each program is every .c of its folder plus every .c
rem of common\ (the tests: tests\ and tests\harness\). gcc's flags are read from
rem common\mingw.flags, which tests/run.sh reads too; cl's match common\ipc.props,
rem the settings of the .vcxproj files. Exit code 0 on success, non-zero on any failure.
rem Arguments for "run" must not contain & | < > characters.
rem It says which architecture it builds (x64, x86, arm64) and refuses a 32-bit build
rem unless --x86 asks for it: an "x86 Native Tools" prompt, or a 32-bit MinGW, would
rem otherwise build 32-bit programs without a word.
rem A checkout on a share (\\server\share\ipc) works: pushd maps a drive letter for it,
rem as cmd.exe cannot make a UNC path its current directory ("cd /?", "pushd /?").

setlocal EnableExtensions DisableDelayedExpansion
rem A failed pushd leaves the folder as it was; :main then finds no common\ and says so.
pushd "%~dp0."
call :main %*
set "RC=%errorlevel%"
popd
exit /b %RC%

:main
set "ROOT=%CD%"
if not exist "common\" (
    >&2 echo build.bat: error: cannot change to the folder of build.bat
    exit /b 1
)

set "ALLOW_X86="
if /i "%~1"=="--x86" set "ALLOW_X86=1"
if defined ALLOW_X86 shift
set "MODE=%~1"
if /i "%MODE%"=="" goto mode_ok
if /i "%MODE%"=="test" goto mode_ok
if /i "%MODE%"=="run" goto mode_ok
if /i "%MODE%"=="bench" goto mode_ok
>&2 echo usage: build.bat [--x86] [test ^| run [ARGS...] ^| bench [ARGS...]]
exit /b 2
:mode_ok

rem Arguments after "run", passed through to the controller.
set "RUN_ARGS="
if /i "%MODE%"=="bench" goto bench_args
if /i not "%MODE%"=="run" goto args_done
set "RUN_ARGS=%*"
set "RUN_ARGS=%RUN_ARGS:*run=%"
goto args_done
:bench_args
rem Arguments after "bench", passed through to the benchmark.
set "RUN_ARGS=%*"
set "RUN_ARGS=%RUN_ARGS:*bench=%"
:args_done

if /i not "%MODE%"=="bench" goto bench_ok
if exist "tests\bench\" goto bench_ok
>&2 echo build.bat: tests\bench\ is not there yet; there is no benchmark to build or run.
exit /b 1
:bench_ok

rem ---- choose the compiler -------------------------------------------------
call :on_path cl.exe
if defined FOUND goto use_cl

set "VSWHERE_DIR=%ProgramFiles(x86)%\Microsoft Visual Studio\Installer"
if not exist "%VSWHERE_DIR%\vswhere.exe" set "VSWHERE_DIR=%ProgramFiles%\Microsoft Visual Studio\Installer"
if not exist "%VSWHERE_DIR%\vswhere.exe" goto find_gcc
set "VSINSTALL="
rem Run vswhere.exe from its own folder: no quoted path in the for /f command.
pushd "%VSWHERE_DIR%"
for /f "usebackq delims=" %%i in (`.\vswhere.exe -latest -products * -requires Microsoft.VisualStudio.Component.VC.Tools.x86.x64 -property installationPath`) do set "VSINSTALL=%%i"
popd
if not defined VSINSTALL goto find_gcc
if not exist "%VSINSTALL%\VC\Auxiliary\Build\vcvars64.bat" goto find_gcc
echo build.bat: using Visual Studio in %VSINSTALL%
call "%VSINSTALL%\VC\Auxiliary\Build\vcvars64.bat" >nul
cd /d "%ROOT%"
if not exist "common\" (
    >&2 echo build.bat: error: cannot change to the folder of build.bat
    exit /b 1
)
call :on_path cl.exe
if defined FOUND goto use_cl
>&2 echo build.bat: error: vcvars64.bat of %VSINSTALL% did not put cl on PATH.
exit /b 1

:find_gcc
call :on_path gcc.exe
if defined FOUND goto use_gcc
>&2 echo build.bat: error: no C compiler found. Install Visual Studio 2022 with the
>&2 echo "Desktop development with C++" workload ^(or open a Developer Command Prompt
>&2 echo so that cl is on PATH^), or put MinGW-w64 gcc on PATH.
exit /b 1

:use_cl
set "TOOL=cl"
set "OBJ=obj"
set "CFLAGS=/nologo /std:c11 /W4 /WX /O2 /MT /utf-8 /DUNICODE /D_UNICODE /DWIN32_LEAN_AND_MEAN /D_WIN32_WINNT=0x0601 /Icommon"
rem The target of a developer prompt (VsDevCmd and vcvars*.bat set it), else cl's banner.
set "ARCH=%VSCMD_ARG_TGT_ARCH%"
if defined ARCH goto arch_known
set "BANNER=none"
for /f "delims=" %%l in ('cl 2^>^&1') do (
    set "BANNER=%%l"
    goto banner_read
)
:banner_read
set "ARCH=unknown"
if not "%BANNER: x64=%"=="%BANNER%" set "ARCH=x64"
if not "%BANNER: x86=%"=="%BANNER%" set "ARCH=x86"
if not "%BANNER: ARM64=%"=="%BANNER%" set "ARCH=arm64"
goto arch_known

:use_gcc
set "TOOL=gcc"
set "OBJ=o"
set "MACHINE=none"
for /f "delims=" %%m in ('gcc -dumpmachine 2^>nul') do set "MACHINE=%%m"
set "ARCH=unknown"
if /i "%MACHINE:~0,7%"=="x86_64-" set "ARCH=x64"
if /i "%MACHINE:~0,4%"=="i686" set "ARCH=x86"
if /i "%MACHINE:~0,4%"=="i586" set "ARCH=x86"
if /i "%MACHINE:~0,8%"=="aarch64-" set "ARCH=arm64"

:arch_known
echo build.bat: compiler %TOOL%, architecture %ARCH%
if /i not "%ARCH%"=="x86" goto build
if defined ALLOW_X86 goto build
>&2 echo build.bat: error: this %TOOL% builds 32-bit ^(x86^) programs. For 64-bit ones open an "x64 Native
>&2 echo Tools Command Prompt" ^(or put a 64-bit MinGW-w64 gcc on PATH^); to build 32-bit on purpose, run
>&2 echo build.bat --x86 %*
exit /b 1

rem ---- build ---------------------------------------------------------------
:build
setlocal EnableDelayedExpansion
if "%TOOL%"=="gcc" (
    call :mingw_flags
    if errorlevel 1 goto failed
)
if not exist "bin\" mkdir bin
if not exist "bin\" goto failed
if exist "bin\obj\%TOOL%\" rmdir /s /q "bin\obj\%TOOL%"

call :compile common
if errorlevel 1 goto failed
set "COMMON_OBJS=!OBJS!"
if not defined COMMON_OBJS (
    >&2 echo build.bat: error: no .c files in common\
    exit /b 1
)
call :library
if errorlevel 1 goto failed
call :program ConsoleAppListener ConsoleAppListener
if errorlevel 1 goto failed
call :program ConsoleAppController ConsoleAppController
if errorlevel 1 goto failed
call :program ipc_tests tests tests\harness
if errorlevel 1 goto failed
if /i "%MODE%"=="bench" (
    call :program ipc_bench tests\bench
    if errorlevel 1 goto failed
)
echo build.bat: built bin\ConsoleAppController.exe bin\ConsoleAppListener.exe bin\ipc_tests.exe !LIBRARY!

if /i "%MODE%"=="test" goto do_test
if /i "%MODE%"=="run" goto do_run
if /i "%MODE%"=="bench" goto do_bench
exit /b 0

:do_test
endlocal
echo build.bat: running bin\ipc_tests.exe
bin\ipc_tests.exe
if errorlevel 1 (
    >&2 echo build.bat: tests failed
    exit /b 1
)
exit /b 0

:do_run
rem endlocal first: no delayed expansion of "!" in the arguments.
endlocal
bin\ConsoleAppController.exe %RUN_ARGS%
exit /b %errorlevel%

:do_bench
endlocal
bin\ipc_bench.exe %RUN_ARGS%
exit /b %errorlevel%

:failed
>&2 echo build.bat: build failed
exit /b 1

rem ---- subroutines -----------------------------------------------------------

rem :compile DIR - compile every .c (and .rc) directly in DIR into bin\obj\TOOL\DIR\;
rem the object files are listed in OBJS. errorlevel 1 on failure. A message text file
rem (.mc) is compiled first (mc with cl, windmc with gcc) into that folder, which is on
rem the .rc's include path: its messages.rc and .bin files become the exe's message table.
:compile
set "OBJS="
set "OUT=bin\obj\%TOOL%\%~1"
if not exist "%OUT%\" mkdir "%OUT%"
if not exist "%OUT%\" exit /b 1
for %%f in (%~1\*.c) do (
    if "%TOOL%"=="cl" (
        cl %CFLAGS% /c "%%f" /Fo"%OUT%\%%~nf.obj"
    ) else (
        echo %%f
        gcc %CFLAGS% -c "%%f" -o "%OUT%\%%~nf.o"
    )
    if errorlevel 1 exit /b 1
    set "OBJS=!OBJS! "%OUT%\%%~nf.%OBJ%""
)
for %%f in (%~1\*.mc) do (
    echo %%f
    if "%TOOL%"=="cl" (
        mc -U -h "%OUT%" -r "%OUT%" "%%f"
    ) else (
        windmc -U -h "%OUT%" -r "%OUT%" "%%f"
    )
    if errorlevel 1 exit /b 1
)
for %%f in (%~1\*.rc) do (
    echo %%f
    if "%TOOL%"=="cl" (
        rc /nologo /DUNICODE /D_UNICODE /Icommon /I%~1 /I"%OUT%" /fo"%OUT%\%%~nf.res" "%%f"
        if errorlevel 1 exit /b 1
        set "OBJS=!OBJS! "%OUT%\%%~nf.res""
    ) else (
        windres -DUNICODE -D_UNICODE -Icommon -I%~1 -I"%OUT%" -O coff -i "%%f" -o "%OUT%\%%~nf.res.o"
        if errorlevel 1 exit /b 1
        set "OBJS=!OBJS! "%OUT%\%%~nf.res.o""
    )
)
exit /b 0

rem :library - common\'s objects as the static library README.md's example links:
rem bin\ipc.lib (lib.exe, beside cl) or bin\libipc.a (ar.exe, beside MinGW's gcc).
rem LIBRARY is its path. A new archive each time: ar would keep members of removed files.
:library
if "%TOOL%"=="cl" (
    set "LIBRARY=bin\ipc.lib"
) else (
    set "LIBRARY=bin\libipc.a"
)
if exist "!LIBRARY!" del /q "!LIBRARY!"
echo library !LIBRARY!
if "%TOOL%"=="cl" (
    lib /nologo /OUT:"!LIBRARY!" !COMMON_OBJS!
) else (
    ar rcs "!LIBRARY!" !COMMON_OBJS!
)
if errorlevel 1 exit /b 1
exit /b 0

rem :program NAME DIR... - compile each DIR (a missing one adds nothing) and link
rem them with common\ into bin\NAME.exe.
rem /MANIFEST:NO: the .rc already embeds the manifest; the linker must not add another.
:program
set "PROGRAM=%~1"
set "PROGRAM_OBJS="
:program_dir
shift
if "%~1"=="" goto program_link
call :compile %~1
if errorlevel 1 exit /b 1
set "PROGRAM_OBJS=!PROGRAM_OBJS!!OBJS!"
goto program_dir
:program_link
if not defined PROGRAM_OBJS (
    >&2 echo build.bat: error: no .c files for bin\%PROGRAM%.exe
    exit /b 1
)
echo link bin\%PROGRAM%.exe
if "%TOOL%"=="cl" (
    cl /nologo /Fe"bin\%PROGRAM%.exe" !PROGRAM_OBJS! !COMMON_OBJS! kernel32.lib advapi32.lib /link /SUBSYSTEM:CONSOLE /MANIFEST:NO
) else (
    gcc !LDFLAGS! -o "bin\%PROGRAM%.exe" !PROGRAM_OBJS! !COMMON_OBJS! !LIBS!
)
if errorlevel 1 exit /b 1
exit /b 0

rem :mingw_flags - CFLAGS, LDFLAGS and LIBS for gcc from common\mingw.flags, one flag a
rem line after the word cflags, ldflags or libs; lines starting with # are comments.
rem Needs delayed expansion (the caller's).
:mingw_flags
set "CFLAGS="
set "LDFLAGS="
set "LIBS="
if not exist "common\mingw.flags" (
    >&2 echo build.bat: error: common\mingw.flags is missing
    exit /b 1
)
set "BAD_FLAG="
for /f "usebackq eol=# tokens=1,2" %%a in ("common\mingw.flags") do (
    if "%%a"=="cflags" (
        set "CFLAGS=!CFLAGS! %%b"
    ) else if "%%a"=="ldflags" (
        set "LDFLAGS=!LDFLAGS! %%b"
    ) else if "%%a"=="libs" (
        set "LIBS=!LIBS! %%b"
    ) else if not "%%a"=="" (
        set "BAD_FLAG=%%a"
    )
)
if defined BAD_FLAG (
    >&2 echo build.bat: error: common\mingw.flags: "!BAD_FLAG!" is not cflags, ldflags or libs
    exit /b 1
)
if not defined CFLAGS (
    >&2 echo build.bat: error: common\mingw.flags names no cflags
    exit /b 1
)
exit /b 0

rem :on_path FILE - FOUND is the full path of FILE found on PATH, or undefined.
rem (Not "where": it is missing before Windows 7 and Wine's always succeeds.)
:on_path
set "FOUND="
for %%x in (%~1) do set "FOUND=%%~$PATH:x"
exit /b 0
