; Inno Setup script: installs the bundle that packaging/sterile-ledger.spec builds.
;   ISCC.exe /DAppVersion=0.1.0 packaging\sterile-ledger.iss
; Per machine (Program Files), with a start-menu entry and an uninstaller. The ledger
; lives in C:\ProgramData\SterileLedger, shared by every Windows user of the PC
; (inventory/paths.py); the installer creates it writable by all users, and the
; uninstaller leaves it in place: a clinic's record outlives the program.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif

[Setup]
AppId={{6F2A8C1E-4B7D-4E0A-9C35-5D1B2E7F9A60}
AppName=Sterile Ledger
AppVersion={#AppVersion}
AppPublisher=Sterile Ledger
DefaultDirName={autopf}\Sterile Ledger
DefaultGroupName=Sterile Ledger
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\dist\installer
OutputBaseFilename=SterileLedger-{#AppVersion}-setup
SetupIconFile=..\resources\icons\app.ico
UninstallDisplayIcon={app}\sterile-ledger-gui.exe
Compression=lzma2
SolidCompression=yes
WizardStyle=modern

[Dirs]
; The ledger, its signing files, backups and the log: one folder for all users.
Name: "{commonappdata}\SterileLedger"; Permissions: users-modify; Flags: uninsneveruninstall

[Files]
Source: "..\dist\sterile-ledger\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Sterile Ledger"; Filename: "{app}\sterile-ledger-gui.exe"
Name: "{group}\Uninstall Sterile Ledger"; Filename: "{uninstallexe}"
Name: "{autodesktop}\Sterile Ledger"; Filename: "{app}\sterile-ledger-gui.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "A desktop shortcut"; Flags: unchecked

[Run]
Filename: "{app}\sterile-ledger-gui.exe"; Description: "Start Sterile Ledger"; Flags: nowait postinstall skipifsilent
