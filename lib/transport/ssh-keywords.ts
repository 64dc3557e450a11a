// Every keyword OpenSSH's ssh accepts (readconf.c keywords[], plus Debian's
// GSSAPI additions) that the built-in ssh2 transport does not honour itself
// (ssh-config-values.ts KEYS has those), and what it does with each:
// - `inert`: accepted; it has no effect on a file transfer (mostly because
//   scp itself turns it off when it runs ssh), and -v says so;
// - `refuse`: it changes security or routing in a way ssh2 cannot follow, so
//   the connection is refused with a message naming --transport openssh,
//   unless the value is one that asks for nothing (`unless`).
// A keyword in neither table is a misspelling: an error, as in ssh.

/** What the ssh2 transport does with a keyword it does not honour. */
export type KeywordEffect = { kind: 'inert'; why: string } | { kind: 'refuse'; why: string; unless?: RegExp };

const inert = (why: string): KeywordEffect => ({ kind: 'inert', why });
const refuse = (why: string, unless?: RegExp): KeywordEffect => ({ kind: 'refuse', why, unless });

const NO = /^(no|false)$/i;
const NONE = /^none$/i;
const DEPRECATED = inert('deprecated in OpenSSH, which ignores it too');
const UNSUPPORTED = inert('no longer supported by OpenSSH, which ignores it too');
const GSSAPI = inert('ssh2 has no GSSAPI: that authentication is not tried');
const FORWARDING = inert('scp clears all forwardings (ClearAllForwardings=yes): a transfer forwards nothing');
const X11 = inert('scp runs ssh with -x: no X11 forwarding');
const NO_TTY = inert('a transfer has no interactive session');
const SESSION = inert("scp's session is always the remote scp command");
const CANONICAL = inert('used only with CanonicalizeHostname, which must be no here');
const HOSTBASED = inert('used only by hostbased authentication, which ssh2 does not try');
const CONTROL = inert('the built-in transport makes its own connection; --transport openssh uses your ControlMaster');

/** Lower-cased keyword → canonical name and effect. */
export const OTHER_KEYWORDS: Record<string, [name: string, effect: KeywordEffect]> = {
  protocol: ['Protocol', inert('OpenSSH ignores it (SSH-2 is the only protocol)')],
  cipher: ['Cipher', DEPRECATED],
  fallbacktorsh: ['FallBackToRsh', DEPRECATED],
  globalknownhostsfile2: ['GlobalKnownHostsFile2', DEPRECATED],
  rhostsauthentication: ['RhostsAuthentication', DEPRECATED],
  userknownhostsfile2: ['UserKnownHostsFile2', DEPRECATED],
  useroaming: ['UseRoaming', DEPRECATED],
  usersh: ['UseRsh', DEPRECATED],
  useprivilegedport: ['UsePrivilegedPort', DEPRECATED],
  afstokenpassing: ['AFSTokenPassing', UNSUPPORTED],
  kerberosauthentication: ['KerberosAuthentication', UNSUPPORTED],
  kerberostgtpassing: ['KerberosTgtPassing', UNSUPPORTED],
  rsaauthentication: ['RSAAuthentication', UNSUPPORTED],
  rhostsrsaauthentication: ['RhostsRSAAuthentication', UNSUPPORTED],
  compressionlevel: ['CompressionLevel', UNSUPPORTED],
  useblacklistedkeys: ['UseBlacklistedKeys', UNSUPPORTED],
  gssapiauthentication: ['GSSAPIAuthentication', GSSAPI],
  gssapidelegatecredentials: ['GSSAPIDelegateCredentials', GSSAPI],
  gssapikeyexchange: ['GSSAPIKeyExchange', GSSAPI],
  gssapiclientidentity: ['GSSAPIClientIdentity', GSSAPI],
  gssapiserveridentity: ['GSSAPIServerIdentity', GSSAPI],
  gssapirenewalforcesrekey: ['GSSAPIRenewalForcesRekey', GSSAPI],
  gssapitrustdns: ['GSSAPITrustDns', GSSAPI],
  gssapikexalgorithms: ['GSSAPIKexAlgorithms', GSSAPI],
  pkcs11provider: ['PKCS11Provider', refuse('keys on a PKCS#11 token need ssh\'s provider', NONE)],
  smartcarddevice: ['SmartcardDevice', refuse('keys on a smartcard need ssh\'s provider', NONE)],
  securitykeyprovider: ['SecurityKeyProvider', inert('FIDO (sk-) keys need --transport openssh; ssh2 skips them')],
  addkeystoagent: ['AddKeysToAgent', inert('scpipe never adds keys to an agent (as AddKeysToAgent=no)')],
  updatehostkeys: ['UpdateHostKeys', inert("scpipe never learns a server's other host keys (as UpdateHostKeys=no)")],
  forwardagent: ['ForwardAgent', inert('scp turns agent forwarding off (ForwardAgent=no)')],
  forwardx11: ['ForwardX11', X11],
  forwardx11trusted: ['ForwardX11Trusted', X11],
  forwardx11timeout: ['ForwardX11Timeout', X11],
  xauthlocation: ['XAuthLocation', X11],
  exitonforwardfailure: ['ExitOnForwardFailure', FORWARDING],
  gatewayports: ['GatewayPorts', FORWARDING],
  localforward: ['LocalForward', FORWARDING],
  remoteforward: ['RemoteForward', FORWARDING],
  dynamicforward: ['DynamicForward', FORWARDING],
  permitremoteopen: ['PermitRemoteOpen', FORWARDING],
  clearallforwardings: ['ClearAllForwardings', FORWARDING],
  streamlocalbindmask: ['StreamLocalBindMask', FORWARDING],
  streamlocalbindunlink: ['StreamLocalBindUnlink', FORWARDING],
  tunnel: ['Tunnel', FORWARDING],
  tunneldevice: ['TunnelDevice', FORWARDING],
  kbdinteractivedevices: ['KbdInteractiveDevices', inert("ssh2 asks for the server's default keyboard-interactive devices")],
  hostbasedauthentication: ['HostbasedAuthentication', inert('ssh2 does not try hostbased authentication')],
  hostbasedacceptedalgorithms: ['HostbasedAcceptedAlgorithms', HOSTBASED],
  hostbasedkeytypes: ['HostbasedAcceptedAlgorithms', HOSTBASED],
  enablesshkeysign: ['EnableSSHKeysign', HOSTBASED],
  escapechar: ['EscapeChar', NO_TTY],
  enableescapecommandline: ['EnableEscapeCommandline', NO_TTY],
  obscurekeystroketiming: ['ObscureKeystrokeTiming', NO_TTY],
  requesttty: ['RequestTTY', inert('scp never asks for a TTY (it would corrupt binary data)')],
  remotecommand: ['RemoteCommand', SESSION],
  sessiontype: ['SessionType', SESSION],
  stdinnull: ['StdinNull', SESSION],
  forkafterauthentication: ['ForkAfterAuthentication', SESSION],
  localcommand: ['LocalCommand', inert('scp turns LocalCommand off (PermitLocalCommand=no)')],
  permitlocalcommand: ['PermitLocalCommand', inert('scp turns LocalCommand off (PermitLocalCommand=no)')],
  controlmaster: ['ControlMaster', CONTROL],
  controlpath: ['ControlPath', CONTROL],
  controlpersist: ['ControlPersist', CONTROL],
  syslogfacility: ['SyslogFacility', inert('scpipe writes its diagnostics to stderr, never to syslog')],
  logverbose: ['LogVerbose', inert("selects debug output by OpenSSH's source file and function")],
  visualhostkey: ['VisualHostKey', inert('fingerprints are shown as SHA256 text only')],
  fingerprinthash: ['FingerprintHash', inert('fingerprints are shown as SHA256')],
  ipqos: ['IPQoS', inert('Node cannot set the DSCP field of a socket')],
  casignaturealgorithms: ['CASignatureAlgorithms', inert('scpipe trusts no host certificates, so no CA signature is ever accepted')],
  canonicaldomains: ['CanonicalDomains', CANONICAL],
  canonicalizefallbacklocal: ['CanonicalizeFallbackLocal', CANONICAL],
  canonicalizemaxdots: ['CanonicalizeMaxDots', CANONICAL],
  canonicalizepermittedcnames: ['CanonicalizePermittedCNAMEs', CANONICAL],
  channeltimeout: ['ChannelTimeout', inert('scpipe closes its channels when the transfer ends')],
  versionaddendum: ['VersionAddendum', inert('ssh2 sends its own version string')],
  warnweakcrypto: ['WarnWeakCrypto', inert('-v shows the agreed algorithms')],
  canonicalizehostname: ['CanonicalizeHostname', refuse('host name canonicalisation changes which host is reached', NO)],
  bindinterface: ['BindInterface', refuse('Node cannot bind a socket to an interface by name')],
  proxyusefdpass: ['ProxyUseFdpass', refuse('a ProxyCommand that passes back a descriptor', NO)],
  verifyhostkeydns: ['VerifyHostKeyDNS', refuse('host keys from DNS (SSHFP) are not looked up', NO)],
  nohostauthenticationforlocalhost: ['NoHostAuthenticationForLocalhost', refuse('it turns host key checking off for localhost', NO)],
  revokedhostkeys: ['RevokedHostKeys', refuse('a revoked-keys file or KRL is not read', NONE)],
  knownhostscommand: ['KnownHostsCommand', refuse('host keys from a command are not read', NONE)],
  requiredrsasize: ['RequiredRSASize', refuse('RSA key sizes are not checked')],
  rekeylimit: ['RekeyLimit', refuse('ssh2 does not rekey by data volume or time', /^default(\s+none)?$/i)],
  // `+ALGS` only widens ssh's list (`+ssh-rsa` for old servers, in many configs): ssh2 restricts nothing anyway.
  pubkeyacceptedalgorithms: ['PubkeyAcceptedAlgorithms', refuse('the signature algorithms offered for your keys are not restricted', /^\+/)],
  pubkeyacceptedkeytypes: ['PubkeyAcceptedAlgorithms', refuse('the signature algorithms offered for your keys are not restricted', /^\+/)],
};

/** Keywords that only a config file may hold (they shape the file, not the connection). */
export const FILE_ONLY = new Set(['host', 'match', 'include']);

/** The refusal message for `name value` (null when the value asks for nothing ssh2 lacks). */
export function refusal(name: string, value: string, effect: KeywordEffect): string | null {
  if (effect.kind !== 'refuse' || effect.unless?.test(value.trim())) return null;
  return `${name} ${value}: not available in the built-in ssh2 transport (${effect.why}); use --transport openssh`;
}
