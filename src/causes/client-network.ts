/** client-network: the visitor's own connectivity or resolver is at fault. */
import { defineCause } from './types.js';
import { claim, own } from './util.js';

export default defineCause({
  meta: {
    id: 'client-network',
    title: 'The visitor\'s own network or resolver is failing',
    seedCategory: 'Check Your Internet Connection',
    summary: 'The problem is on the visitor\'s side: no working internet connection, a resolver that does not answer, or a network that blocks the site.',
    explanation:
      'When the visitor\'s connection or DNS resolver fails, every site fails, not just this one. A reference site that also fails, a resolver that does not answer, or a network-unreachable error show the problem is local. Restarting the router, switching networks (Wi-Fi to mobile data) or changing the DNS resolver are the checks the seed article calls "check your internet connection".',
    statuses: [],
    signals: [
      'probe: the --reference URL fails too; the system resolver does not answer',
      'connect fails with ENETUNREACH; browser: ERR_INTERNET_DISCONNECTED / ERR_NETWORK_CHANGED',
    ],
    facts: ['local-network-error'],
    fixes: {
      owner: ['Nothing to change on the server: the visitor\'s network is at fault. Confirm the site works from elsewhere (`why502 URL` from another network).'],
      visitor: [
        'Check your connection: open another well-known site; restart your router or modem; switch between Wi-Fi and mobile data.',
        'Try another DNS resolver (1.1.1.1, 8.8.8.8) and flush the DNS cache.',
        'Restart your computer if other sites also fail.',
      ],
    },
    related: ['client-proxy', 'site-dns'],
    lab: { none: 'The visitor\'s network is outside any proxy scenario; the probe tests it with an unreachable resolver and reference URL.' },
    messages: {
      network: 'The visitor\'s own network failed ({detail}); other sites would fail too.',
    },
  },
  detect(i) {
    const f = own(i, 'local-network-error')[0];
    return f ? claim(0.88, 'network', [f], f.detail ?? 'network') : null;
  },
});
