/** client-proxy: the visitor's own proxy produced the error. */
import { defineCause } from './types.js';
import { claim, own } from './util.js';

export default defineCause({
  meta: {
    id: 'client-proxy',
    title: 'The visitor\'s own proxy produced the error',
    seedCategory: 'Check Proxy Settings',
    summary: 'The 502 did not come from the website at all: a proxy on the visitor\'s side (a corporate proxy, a security gateway such as Zscaler, an antivirus web shield, a VPN) failed to reach the site.',
    explanation:
      'Browsers and tools configured with a proxy (system settings, HTTP_PROXY / HTTPS_PROXY, a PAC file) send every request through it. When that proxy cannot reach the site — its own DNS or firewall policy, an outage, an SSL inspection failure — it answers 502 or 503 with its own error page, which looks like the site is down. The site works from other networks and when the proxy is bypassed.',
    statuses: [502, 503, 504],
    signals: [
      'probe: a 502 only through HTTP_PROXY/HTTPS_PROXY, the direct request succeeds',
      'error page of Squid (ERR_CONNECT_FAIL), Zscaler, Blue Coat, an antivirus web shield',
      'browser: ERR_PROXY_CONNECTION_FAILED / ERR_TUNNEL_CONNECTION_FAILED; curl: (56) Received HTTP code 502 from proxy after CONNECT',
    ],
    facts: ['forward-proxy-error'],
    fixes: {
      owner: [
        'If your visitors report it, ask whether they use a corporate proxy; check the site is not on a blocklist category of common security gateways.',
        'Nothing to change on the server when the direct request works.',
      ],
      visitor: [
        'Disable the proxy or VPN and retry (browser/system proxy settings, or `unset HTTP_PROXY HTTPS_PROXY` for command-line tools).',
        'At work, tell your IT department that their proxy fails to reach this site (send this report: it shows the direct request works).',
      ],
    },
    related: ['client-network', 'waf-blocked'],
    lab: { none: 'A visitor-side forward proxy, not a reverse proxy scenario; the probe tests it with a loopback forward proxy that answers 502.' },
    messages: {
      proxy: 'The error came from the visitor\'s own proxy ({detail}), not from the site.',
    },
  },
  detect(i) {
    const f = own(i, 'forward-proxy-error')[0];
    return f ? claim(0.88, 'proxy', [f], f.detail ?? 'proxy') : null;
  },
});
