; Inno Setup script: Headcount for Windows, a per-user install (no administrator rights needed).
;
; NOT RUN HERE: it needs Windows, the bundle built on Windows and Inno Setup 6 (ISCC.exe). See
; packaging/README.md, "Windows". On a Windows machine with Python 3.11 and the repository:
;   py -3.11 -m venv .venv && .venv\Scripts\pip install -e .[dev]
;   .venv\Scripts\python -m models3d.build
;   .venv\Scripts\python packaging\icon.py build\package\icon
;   .venv\Scripts\pyinstaller --noconfirm --distpath build\package\dist --workpath build\package\work packaging\headcount.spec
;   build\package\dist\headcount\headcount-cli.exe --smoke-test build\package\smoke.json   (the smoke test)
;   "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" /DVersion=0.1.0 packaging\windows\headcount.iss
; The installer lands in dist\headcount-<version>-setup.exe.

#ifndef Version
  #define Version "0.1.0"
#endif
#define Root ".."

[Setup]
AppId={{6F3E2C1A-7B54-4E0D-9A61-2D4C8B1E5F07}
AppName=Headcount
AppVersion={#Version}
AppPublisher=Headcount
DefaultDirName={localappdata}\Programs\Headcount
DefaultGroupName=Headcount
PrivilegesRequired=lowest
OutputDir={#Root}\..\dist
OutputBaseFilename=headcount-{#Version}-setup
SetupIconFile={#Root}\..\build\package\icon\headcount.ico
UninstallDisplayIcon={app}\headcount.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible

[Tasks]
Name: "desktopicon"; Description: "Create a &desktop shortcut"; GroupDescription: "Shortcuts:"
Name: "startatlogin"; Description: "Start Headcount when I sign in, in the tray, so my team keeps working"; GroupDescription: "Work goes on with the window closed:"; Flags: unchecked

[Files]
; The PyInstaller one-folder bundle: headcount.exe (the window), headcount-cli.exe (the command line), _internal\
Source: "{#Root}\..\build\package\dist\headcount\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Headcount"; Filename: "{app}\headcount.exe"
Name: "{group}\Headcount doctor"; Filename: "{cmd}"; Parameters: "/k ""{app}\headcount-cli.exe"" doctor"
Name: "{autodesktop}\Headcount"; Filename: "{app}\headcount.exe"; Tasks: desktopicon
; The login item: opens straight into the tray (packaging/entry.py handles --start-hidden).
Name: "{userstartup}\Headcount"; Filename: "{app}\headcount.exe"; Parameters: "--start-hidden"; Tasks: startatlogin

[Registry]
; `headcount-cli doctor` from any terminal: the install folder on the user's PATH.
Root: HKCU; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Check: NeedsAddPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\headcount.exe"; Description: "Open Headcount now"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; The office itself (%LOCALAPPDATA%\Headcount) is the owner's data and stays; only the program goes.
Type: filesandordirs; Name: "{app}\_internal"

[Code]
function NeedsAddPath(Param: string): boolean;
var
  OrigPath: string;
begin
  if not RegQueryStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', OrigPath) then
  begin
    Result := True;
    exit;
  end;
  Result := Pos(';' + Uppercase(Param) + ';', ';' + Uppercase(OrigPath) + ';') = 0;
end;
