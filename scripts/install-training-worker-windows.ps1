#Requires -Version 5.1
<#
.SYNOPSIS
Enrolls this Windows host in the cis490 fleet as a training worker.

.DESCRIPTION
Writes the worker's env file (readable by the service account only), runs
`cis490-worker self-test` with it, and only if that passes registers a
Scheduled Task that starts `cis490-worker run` at boot and restarts it on
failure. Running it again with the same parameters changes nothing.
Run from a built checkout (npm ci; npm run build), in an elevated PowerShell.

.PARAMETER Receiver
The receiver's base URL, e.g. http://receiver.lab:8471 (required); or several,
comma-separated (receivers sharing one PostgreSQL database), which the worker
tries in turn when one does not answer: http://rx1.lab:8471,http://rx2.lab:8471

.PARAMETER Trainer
The trainer's command line, with absolute paths: it runs in its job dir
(required). It is split like a POSIX shell command, where \ escapes, so write
paths with forward slashes: "node C:/cis490-fleet/examples/trainer/train.js".

.PARAMETER TokenFile
File holding the worker token (the receiver's CIS490_WORKER_TOKEN). Without
it, a token already in the env file is kept.

.PARAMETER WorkerId
This worker's name in the queue (default: the hostname).

.PARAMETER WorkDir
Job dirs, trainer outputs and bundles (default: C:\ProgramData\cis490\work).

.PARAMETER EnvFile
Default: C:\ProgramData\cis490\worker.env.

.PARAMETER Checkout
The built checkout the task runs (default: the checkout holding this script).

.PARAMETER Node
node.exe to run (default: node on PATH).

.PARAMETER Credential
Run the task as this account (its password is stored by Task Scheduler)
instead of the dedicated local user -ServiceUser. It needs the "Log on as a
batch job" right. SYSTEM is refused: the trainer is the lab's code.

.PARAMETER ServiceUser
Without -Credential: the local user the task runs as, created if missing, in
no group but Users (default: cis490-worker). Nobody knows its password: each
real run sets a new random one and hands it to Task Scheduler.

.PARAMETER Ca
The CA that signed the receiver's certificate, for an https receiver
(CIS490_TLS_CA). Copied next to the env file, readable by the task's account only.

.PARAMETER Cert
This host's client certificate, for a receiver that requires one (mTLS;
CIS490_TLS_CERT), with -Key. scripts/make-lab-ca.sh makes -Ca, -Cert and -Key.

.PARAMETER Key
The client certificate's private key (CIS490_TLS_KEY). Copied like -Ca, never shown.

.PARAMETER TaskName
Default: cis490-trainer-worker.

.PARAMETER DryRun
Print every action, change nothing.

.EXAMPLE
.\scripts\install-training-worker-windows.ps1 -Receiver http://receiver.lab:8471 -TokenFile C:\secure\worker.token -Trainer "node C:/cis490-fleet/examples/trainer/train.js" -DryRun

.EXAMPLE
.\scripts\install-training-worker-windows.ps1 -Receiver http://rx1.lab:8471,http://rx2.lab:8471 -TokenFile C:\secure\worker.token -Trainer "node C:/cis490-fleet/examples/trainer/train.js"
#>
[CmdletBinding()]
param(
  [string[]]$Receiver,
  [string]$Trainer,
  [string]$TokenFile,
  [string]$WorkerId,
  [string]$WorkDir,
  [string]$EnvFile,
  [string]$Checkout,
  [string]$Node,
  [pscredential]$Credential,
  [string]$ServiceUser = 'cis490-worker',
  [string]$TaskName = 'cis490-trainer-worker',
  [string]$Ca,
  [string]$Cert,
  [string]$Key,
  [switch]$DryRun
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

# The env file's variables (SPEC §5), in the order they are written.
$EnvKeys = @('CIS490_RECEIVER_URL', 'CIS490_TRAINER_CMD', 'CIS490_WORK_DIR', 'CIS490_WORKER_ID',
  'CIS490_WORKER_TOKEN', 'CIS490_ALLOW_JOBS', 'CIS490_DENY_JOBS', 'CIS490_POLL_S', 'CIS490_KILL_GRACE_S',
  'CIS490_TLS_CA', 'CIS490_TLS_CERT', 'CIS490_TLS_KEY')

function Write-Usage {
  [Console]::Error.WriteLine(@'
usage: install-training-worker-windows.ps1 -Receiver URL[,URL...] -Trainer CMD [-TokenFile FILE]
         [-WorkerId ID] [-WorkDir DIR] [-EnvFile FILE] [-Checkout DIR] [-Node EXE]
         [-Credential CRED | -ServiceUser NAME] [-TaskName NAME] [-Ca FILE] [-Cert FILE -Key FILE] [-DryRun]
  (Get-Help .\scripts\install-training-worker-windows.ps1 -Detailed for more)
'@)
}

function Stop-WithUsage([string]$Message) {
  [Console]::Error.WriteLine("error: $Message")
  Write-Usage
  exit 2
}

function Stop-WithError([string]$Message) {
  [Console]::Error.WriteLine("error: $Message")
  exit 1
}

# The one way this installer changes the system: prints what it does, then
# does it unless -DryRun. $Show is printed in a dry run under the line (e.g.
# the file content, tokens masked).
function Invoke-Step([string]$Description, [scriptblock]$Action, [string]$Show = '') {
  if ($DryRun) {
    Write-Output "would: $Description"
    if ($Show) { $Show -split "`n" | ForEach-Object { Write-Output "    | $_" } }
    return
  }
  Write-Output "+ $Description"
  & $Action
}

function Hide-Tokens([string]$Text) {
  ($Text -split "`n" | ForEach-Object { $_ -replace '^([A-Za-z0-9_]*TOKEN[A-Za-z0-9_]*)=.*$', '$1=<redacted>' }) -join "`n"
}

# node --env-file reads single-quoted values literally (no escapes, so
# Windows paths keep their backslashes); a value holding ' cannot be written.
function ConvertTo-EnvValue([string]$Flag, [string]$Value) {
  if ($Value -match "['\r\n]") { Stop-WithError "$Flag must not contain ' or line breaks" }
  "'$Value'"
}

# Relative to PowerShell's current location, as the user typed it.
function Resolve-FullPath([string]$Path) {
  $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
}

# -Receiver: one URL or several, comma-separated (SPEC §11), as one string or
# as the array PowerShell makes of an unquoted a,b. Each is checked and kept
# without a trailing slash, a receiver given twice once, in the order given.
function ConvertTo-ReceiverList([string[]]$Given) {
  $parts = @(($Given -join ',') -split ',')
  $urls = New-Object System.Collections.Generic.List[string]
  for ($i = 0; $i -lt $parts.Count; $i++) {
    $url = $parts[$i].Trim()
    $which = if ($parts.Count -gt 1) { "-Receiver element $($i + 1) of $($parts.Count)" } else { '-Receiver' }
    if (-not $url) {
      Stop-WithError "$which is empty: give receivers' URLs separated by single commas, e.g. http://rx1.lab:8471,http://rx2.lab:8471"
    }
    if ($url -notmatch '^https?://[^\s/]+(/\S*)?$') { Stop-WithError "$which must be an http:// or https:// URL, got: $url" }
    $url = $url.TrimEnd('/')
    if (-not $urls.Contains($url)) { $urls.Add($url) }
  }
  $urls -join ','
}

function Get-ProgramDataDir {
  if ($env:ProgramData) { $env:ProgramData } else { 'C:\ProgramData' }
}

# A random password nobody sees: Task Scheduler keeps it for the task.
function New-RandomPassword {
  $bytes = New-Object byte[] 32
  [Security.Cryptography.RandomNumberGenerator]::Create().GetBytes($bytes)
  # Base64 plus fixed characters from every class Windows' complexity rule counts.
  'Aa1!' + [Convert]::ToBase64String($bytes)
}

# Replaces the whole ACL of $Path, whoever made it: owner Administrators,
# nothing inherited, SYSTEM and Administrators full control, the task's account
# $AccountRights (none when empty). A dir or file someone else created first
# (e.g. a user making C:\ProgramData\cis490 before the install) keeps none of
# their rights, and they no longer own it, so they cannot grant them back.
# Children of a dir are reset to inherit from it, owner Administrators too.
function Set-InstallAcl([string]$Path, [string]$AccountRights) {
  Invoke-Step "reset owner and ACL of $Path (SYSTEM, Administrators: full; $Account`: $(if ($AccountRights) { $AccountRights } else { 'none' }))" {
    $isDir = Test-Path -LiteralPath $Path -PathType Container
    $acl = if ($isDir) { New-Object Security.AccessControl.DirectorySecurity } else { New-Object Security.AccessControl.FileSecurity }
    # Well-known SIDs, so the ACLs do not depend on the system's language.
    $admins = New-Object Security.Principal.SecurityIdentifier 'S-1-5-32-544'
    $system = New-Object Security.Principal.SecurityIdentifier 'S-1-5-18'
    $acl.SetOwner($admins)
    $acl.SetAccessRuleProtection($true, $false)
    $inherit = if ($isDir) { 'ContainerInherit, ObjectInherit' } else { 'None' }
    foreach ($sid in @($system, $admins)) {
      $acl.AddAccessRule((New-Object Security.AccessControl.FileSystemAccessRule $sid, 'FullControl', $inherit, 'None', 'Allow'))
    }
    if ($AccountRights) {
      # .\name is this computer's account, a form NTAccount does not take.
      $who = $Account -replace '^\.\\', "$env:COMPUTERNAME\"
      $acl.AddAccessRule((New-Object Security.AccessControl.FileSystemAccessRule $who, $AccountRights, $inherit, 'None', 'Allow'))
    }
    Assert-NoLink (Get-Item -LiteralPath $Path -Force)
    Set-Acl -LiteralPath $Path -AclObject $acl
    if ($isDir) { Reset-Tree (Get-Item -LiteralPath $Path -Force) $admins }
  }
}

# A link or junction someone planted would turn the reset onto its target
# (junctions need no privilege to make): refused, never followed.
function Assert-NoLink([IO.FileSystemInfo]$Item) {
  if ($Item.Attributes -band [IO.FileAttributes]::ReparsePoint) {
    Stop-WithError "$($Item.FullName) is a link or junction, which this installer never makes: remove it (someone else may have put it there), then run this again"
  }
}

# Everything under $Dir: owner Administrators, no rights of its own, only what it inherits.
function Reset-Tree([IO.DirectoryInfo]$Dir, [Security.Principal.SecurityIdentifier]$Owner) {
  foreach ($item in $Dir.GetFileSystemInfos()) {
    Assert-NoLink $item
    $acl = if ($item -is [IO.DirectoryInfo]) { New-Object Security.AccessControl.DirectorySecurity } else { New-Object Security.AccessControl.FileSecurity }
    $acl.SetOwner($Owner)
    $acl.SetAccessRuleProtection($false, $false)
    Set-Acl -LiteralPath $item.FullName -AclObject $acl
    if ($item -is [IO.DirectoryInfo]) { Reset-Tree $item $Owner }
  }
}

# --- Check everything before changing anything ----------------------------------

if (-not $Receiver) { Stop-WithUsage '-Receiver is required' }
if (-not $Trainer) { Stop-WithUsage '-Trainer is required' }
$ReceiverList = ConvertTo-ReceiverList $Receiver
if ($WorkerId -and $WorkerId -notmatch '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$') {
  Stop-WithError '-WorkerId must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}'
}

$RepoDir = Split-Path -Parent $PSScriptRoot
if (-not $Checkout) { $Checkout = $RepoDir }
$Checkout = Resolve-FullPath $Checkout
$ConfigDir = Join-Path (Get-ProgramDataDir) 'cis490'
if (-not $WorkDir) { $WorkDir = Join-Path $ConfigDir 'work' }
$WorkDir = Resolve-FullPath $WorkDir
if (-not $EnvFile) { $EnvFile = Join-Path $ConfigDir 'worker.env' }
$EnvFile = Resolve-FullPath $EnvFile
$EnvDir = Split-Path -Parent $EnvFile

$MainJs = Join-Path $Checkout 'dist\apps\worker\src\main.js'
if (-not (Test-Path -LiteralPath $MainJs -PathType Leaf)) {
  Stop-WithError "$MainJs not found: $Checkout is not built. Run ``npm ci; npm run build`` in $Checkout, then run this again."
}

if (-not $Node) {
  $found = Get-Command node -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
  if (-not $found) { Stop-WithError 'node was not found on PATH; install Node.js >= 20.19 or pass -Node C:\path\to\node.exe' }
  $Node = $found.Path
}
$Node = Resolve-FullPath $Node
if (-not (Test-Path -LiteralPath $Node -PathType Leaf)) { Stop-WithError "-Node: $Node not found" }

$Token = ''
if ($TokenFile) {
  if (-not (Test-Path -LiteralPath $TokenFile -PathType Leaf)) { Stop-WithError "-TokenFile: cannot read $TokenFile" }
  # Never echoed: errors describe the token without showing it.
  $Token = ([IO.File]::ReadAllText((Resolve-Path -LiteralPath $TokenFile).ProviderPath)).Trim()
  if (-not $Token) { Stop-WithError "-TokenFile: $TokenFile is empty" }
  if ($Token -notmatch '^[A-Za-z0-9._~+/=-]{8,}$') {
    Stop-WithError "-TokenFile: the token in $TokenFile must be one line of at least 8 letters, digits and ._~+/=-"
  }
}

# TLS files (SPEC §12): checked before anything changes.
if ([bool]$Cert -ne [bool]$Key) { Stop-WithUsage $(if ($Cert) { '-Cert needs -Key' } else { '-Key needs -Cert' }) }
$TlsFiles = [ordered]@{}
foreach ($tls in @(@('-Ca', $Ca, 'ca.crt', 'CIS490_TLS_CA'), @('-Cert', $Cert, 'worker.crt', 'CIS490_TLS_CERT'), @('-Key', $Key, 'worker.key', 'CIS490_TLS_KEY'))) {
  if (-not $tls[1]) { continue }
  if (-not (Test-Path -LiteralPath $tls[1] -PathType Leaf)) { Stop-WithError "$($tls[0]): cannot read $($tls[1])" }
  $pem = [IO.File]::ReadAllText((Resolve-Path -LiteralPath $tls[1]).ProviderPath)
  $kind = if ($tls[0] -eq '-Key') { 'PRIVATE KEY' } else { 'CERTIFICATE' }
  if ($pem -notmatch "-----BEGIN [A-Z ]*$kind-----") { Stop-WithError "$($tls[0]): $($tls[1]) is not a PEM $($kind.ToLower())" }
  $TlsFiles[$tls[3]] = @{ Source = (Resolve-Path -LiteralPath $tls[1]).ProviderPath; Dest = (Join-Path (Join-Path $EnvDir 'worker-tls') $tls[2]); Flag = $tls[0] }
}

if ($Trainer -match '\\') {
  Write-Warning '-Trainer: the command is split like a POSIX shell command, where \ escapes the next character; write paths with forward slashes (C:/lab/train.py)'
}
foreach ($word in ($Trainer -split '\s+')) {
  if ($word -match '[\\/]' -and $word -notmatch '^([A-Za-z]:[\\/]|\\\\|/|-)') {
    Write-Warning "-Trainer: $word is a relative path, but the trainer runs in its job dir; use an absolute path"
  }
}

# Never SYSTEM: the env file names the trainer command, and whoever can run
# code as the task's account could otherwise run it as the machine itself.
if ($Credential) {
  $Account = $Credential.UserName
  if ((($Account -split '\\')[-1]) -match '^(SYSTEM|LocalSystem|S-1-5-18)$') {
    Stop-WithError '-Credential: SYSTEM is refused; give a dedicated account with no other rights (or leave -Credential out for -ServiceUser)'
  }
} else {
  if ($ServiceUser -notmatch '^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$') {
    Stop-WithError '-ServiceUser must be a local user name: [A-Za-z0-9][A-Za-z0-9._-]{0,19}'
  }
  $Account = $ServiceUser
}

if (-not $DryRun) {
  $me = New-Object Security.Principal.WindowsPrincipal ([Security.Principal.WindowsIdentity]::GetCurrent())
  if (-not $me.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
    Stop-WithError 'run this in an elevated PowerShell (Run as administrator), or try -DryRun first'
  }
}

# --- Act --------------------------------------------------------------------------

Write-Output "installing the cis490 training worker from $Checkout (task $TaskName, as $Account)"

# Set when this run gives the service user a new password: the task is then registered again with it.
$password = $null
if (-not $Credential) {
  $existingUser = $null
  if (Get-Command Get-LocalUser -ErrorAction SilentlyContinue) {
    $existingUser = Get-LocalUser -Name $ServiceUser -ErrorAction SilentlyContinue
  }
  if ($existingUser) {
    $inAdmins = @(Get-LocalGroupMember -SID 'S-1-5-32-544' -ErrorAction SilentlyContinue |
      Where-Object { ($_.Name -split '\\')[-1] -eq $ServiceUser })
    if ($inAdmins.Count) { Stop-WithError "-ServiceUser: $ServiceUser is an administrator; the trainer must run with no such rights" }
  }
  # A fresh password every real run: nobody needs to know it, and the task is registered with it below.
  $password = if ($DryRun) { $null } else { ConvertTo-SecureString (New-RandomPassword) -AsPlainText -Force }
  if ($existingUser) {
    Invoke-Step "set a new random password for the local user $ServiceUser" { Set-LocalUser -Name $ServiceUser -Password $password }
  } else {
    Invoke-Step "create the local user $ServiceUser (no group but Users, random password nobody is told)" {
      New-LocalUser -Name $ServiceUser -Password $password -PasswordNeverExpires -UserMayNotChangePassword `
        -AccountNeverExpires -Description 'cis490 training worker' | Out-Null
    }
  }
  if (-not $DryRun) { $Credential = New-Object Management.Automation.PSCredential ".\$ServiceUser", $password }
}

# The env file's dir: SYSTEM and Administrators full, the account read only,
# nothing inherited, so the file never exists with broader rights. Reset on
# every run, existing or not: a dir made by someone else first is not trusted.
if (-not (Test-Path -LiteralPath $EnvDir -PathType Container)) {
  Invoke-Step "create $EnvDir" { New-Item -ItemType Directory -Path $EnvDir -Force | Out-Null }
}
Set-InstallAcl $EnvDir 'ReadAndExecute'

if (-not (Test-Path -LiteralPath $WorkDir -PathType Container)) {
  Invoke-Step "create $WorkDir" { New-Item -ItemType Directory -Path $WorkDir -Force | Out-Null }
}
# After the env dir: inside it (the default), its reset must not undo this one.
Set-InstallAcl $WorkDir 'Modify'

# TLS files: SYSTEM and Administrators full, the task's account read only, nothing inherited.
$tlsChanged = $false
if ($TlsFiles.Count) {
  $TlsDir = Join-Path $EnvDir 'worker-tls'
  if (-not (Test-Path -LiteralPath $TlsDir -PathType Container)) {
    Invoke-Step "create $TlsDir" { New-Item -ItemType Directory -Path $TlsDir -Force | Out-Null }
  }
  foreach ($name in $TlsFiles.Keys) {
    $file = $TlsFiles[$name]
    $same = (Test-Path -LiteralPath $file.Dest -PathType Leaf) -and
      ([IO.File]::ReadAllText($file.Dest) -ceq [IO.File]::ReadAllText($file.Source))
    if ($same) {
      Write-Output "unchanged: $($file.Dest)"
    } else {
      $tlsChanged = $true
      $tlsAcl = @($file.Dest, '/inheritance:r', '/grant:r', "${SystemSid}:F", "${AdministratorsSid}:F")
      if ($Credential) { $tlsAcl += "${Account}:R" }
      # Locked down while still empty, as the env file is: the key is never in a file others can read.
      Invoke-Step "create empty $($file.Dest)" { [IO.File]::WriteAllText($file.Dest, '') }
      Invoke-Step "icacls $($tlsAcl -join ' ')" { & icacls.exe @tlsAcl | Out-Null; if ($LASTEXITCODE) { throw "icacls failed on $($file.Dest)" } }
      Invoke-Step "copy $($file.Source) to $($file.Dest)" { [IO.File]::WriteAllBytes($file.Dest, [IO.File]::ReadAllBytes($file.Source)) }
    }
  }
}

# Env file: the keys the parameters give, else what the file already says
# (e.g. a token from an earlier run), then variables set by hand.
$lines = [ordered]@{}
$others = New-Object System.Collections.Generic.List[string]
if (Test-Path -LiteralPath $EnvFile -PathType Leaf) {
  foreach ($line in [IO.File]::ReadAllLines($EnvFile)) {
    if ($line -match '^\s*([A-Za-z_][A-Za-z0-9_]*)=') {
      $key = $Matches[1]
      if (-not $lines.Contains($key)) {
        $lines[$key] = $line
        if ($EnvKeys -notcontains $key) { $others.Add($key) }
      }
    }
  }
}
$lines['CIS490_RECEIVER_URL'] = 'CIS490_RECEIVER_URL=' + (ConvertTo-EnvValue '-Receiver' $ReceiverList)
$lines['CIS490_TRAINER_CMD'] = 'CIS490_TRAINER_CMD=' + (ConvertTo-EnvValue '-Trainer' $Trainer)
$lines['CIS490_WORK_DIR'] = 'CIS490_WORK_DIR=' + (ConvertTo-EnvValue '-WorkDir' $WorkDir)
if ($WorkerId) { $lines['CIS490_WORKER_ID'] = 'CIS490_WORKER_ID=' + (ConvertTo-EnvValue '-WorkerId' $WorkerId) }
if ($Token) { $lines['CIS490_WORKER_TOKEN'] = 'CIS490_WORKER_TOKEN=' + (ConvertTo-EnvValue '-TokenFile' $Token) }
foreach ($name in $TlsFiles.Keys) { $lines[$name] = "$name=" + (ConvertTo-EnvValue $TlsFiles[$name].Flag $TlsFiles[$name].Dest) }

$content = New-Object System.Text.StringBuilder
[void]$content.Append("# cis490-worker environment, read by the $TaskName task through node --env-file.`n")
[void]$content.Append("# Written by scripts/install-training-worker-windows.ps1: a run rewrites the settings`n")
[void]$content.Append("# its parameters give and keeps the others. Readable by $Account only: it holds the token.`n")
foreach ($key in $EnvKeys) { if ($lines.Contains($key)) { [void]$content.Append($lines[$key] + "`n") } }
if ($others.Count) {
  [void]$content.Append("# Set by hand, kept by the installer:`n")
  foreach ($key in $others) { [void]$content.Append($lines[$key] + "`n") }
}
$envText = $content.ToString()

$envChanged = $true
if (Test-Path -LiteralPath $EnvFile -PathType Leaf) {
  $envChanged = ([IO.File]::ReadAllText($EnvFile) -cne $envText)
}
# Locked down while still empty, so the token is never in a file others can
# read; an existing file (maybe made by someone else first) is reset the same way.
if (-not (Test-Path -LiteralPath $EnvFile -PathType Leaf)) {
  Invoke-Step "create empty $EnvFile" { New-Item -ItemType File -Path $EnvFile | Out-Null }
}
Set-InstallAcl $EnvFile 'Read'
if ($envChanged) {
  Invoke-Step "write $EnvFile" -Show (Hide-Tokens $envText.TrimEnd("`n")) -Action {
    # UTF-8 without a BOM, LF line ends: what node --env-file reads.
    [IO.File]::WriteAllText($EnvFile, $envText, (New-Object Text.UTF8Encoding $false))
  }
} else {
  Write-Output "unchanged: $EnvFile"
}

# Self-test with the same env file and node the task uses.
$selfTestArgs = @("--env-file=$EnvFile", $MainJs, 'self-test')
if ($DryRun) {
  Write-Output "would: run `"$Node`" $($selfTestArgs -join ' ') as $Account (in $Checkout)"
  Write-Output "a real run registers the task only if self-test passes"
} else {
  Write-Output "+ running self-test as $Account"
  if ($Credential) {
    $out = [IO.Path]::GetTempFileName()
    $err = [IO.Path]::GetTempFileName()
    try {
      $quoted = $selfTestArgs | ForEach-Object { '"' + $_ + '"' }
      $proc = Start-Process -FilePath $Node -ArgumentList $quoted -Credential $Credential -WorkingDirectory $Checkout `
        -NoNewWindow -Wait -PassThru -RedirectStandardOutput $out -RedirectStandardError $err
      Get-Content -LiteralPath $out, $err | Write-Output
      $selfTestExit = $proc.ExitCode
    } finally {
      Remove-Item -LiteralPath $out, $err -ErrorAction SilentlyContinue
    }
  } else {
    Push-Location -LiteralPath $Checkout
    try {
      & $Node @selfTestArgs
      $selfTestExit = $LASTEXITCODE
    } finally {
      Pop-Location
    }
  }
  if ($selfTestExit -ne 0) {
    Stop-WithError "self-test failed (exit $selfTestExit): the $TaskName task was NOT registered. Fix the items marked as failing above, then run this again."
  }
}

# The task: at boot, as the account, restarted on failure, never stopped for running long.
$taskArgs = "--env-file=`"$EnvFile`" `"$MainJs`" run"
$existing = $null
if (Get-Command Get-ScheduledTask -ErrorAction SilentlyContinue) {
  $existing = Get-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue
}
$taskChanged = $true
if ($existing) {
  $a = @($existing.Actions)[0]
  $s = $existing.Settings
  $taskChanged = -not (
    $a.Execute -eq $Node -and $a.Arguments -eq $taskArgs -and $a.WorkingDirectory -eq $Checkout -and
    -not $password -and $existing.Principal.UserId -match "(^|\\)$([regex]::Escape(($Account -split '\\')[-1]))$" -and
    $s.RestartCount -eq 999 -and $s.RestartInterval -eq 'PT1M' -and $s.ExecutionTimeLimit -eq 'PT0S')
}
if ($taskChanged) {
  Invoke-Step "register scheduled task ${TaskName}: at startup, as $Account, `"$Node`" $taskArgs (restart every 1 min on failure, up to 999 times)" {
    $action = New-ScheduledTaskAction -Execute $Node -Argument $taskArgs -WorkingDirectory $Checkout
    $trigger = New-ScheduledTaskTrigger -AtStartup
    $settings = New-ScheduledTaskSettingsSet -RestartCount 999 -RestartInterval (New-TimeSpan -Minutes 1) `
      -ExecutionTimeLimit ([TimeSpan]::Zero) -StartWhenAvailable -AllowStartIfOnBatteries `
      -DontStopIfGoingOnBatteries -MultipleInstances IgnoreNew
    Register-ScheduledTask -TaskName $TaskName -Action $action -Trigger $trigger -Settings $settings `
      -User $Credential.UserName -Password $Credential.GetNetworkCredential().Password -RunLevel Limited -Force | Out-Null
  }
} else {
  Write-Output "unchanged: scheduled task $TaskName"
}

# Start it now rather than at the next boot; restart it when its settings changed.
$state = if ($existing) { "$($existing.State)" } else { '' }
if ($state -eq 'Running' -and -not ($envChanged -or $taskChanged -or $tlsChanged)) {
  Write-Output "unchanged: $TaskName is running"
} else {
  if ($state -eq 'Running') {
    Invoke-Step "stop scheduled task $TaskName" { Stop-ScheduledTask -TaskName $TaskName }
  }
  Invoke-Step "start scheduled task $TaskName" { Start-ScheduledTask -TaskName $TaskName }
}
Write-Output "done: check it with: Get-ScheduledTaskInfo -TaskName $TaskName"
