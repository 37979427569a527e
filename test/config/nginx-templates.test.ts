/**
 * Configs shipped as templates: markup is skipped with a note, never fatal, and a value that was markup reads
 * as TEMPLATE_MARKER so checks know it is unknown. Excerpts are from public templates, cited beside each; the
 * `${VAR}` rule's premise (nginx looks variable names up case-insensitively, rejects unknown ones) is checked
 * against the real nginx where installed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadNginxConfig } from '../../src/config/nginx-load.js';
import { directives } from '../../src/config/nginx-lookup.js';
import { TEMPLATE_MARKER } from '../../src/config/nginx-types.js';
import { cleanup, NGINX, nginxTest, outline, tree } from './nginx-helpers.js';

afterAll(cleanup);

const M = TEMPLATE_MARKER;
const notesOf = (t: ReturnType<typeof loadNginxConfig>): string[] => t.notes.filter((n) => n.code === 'CONF_TEMPLATE_SKIPPED').map((n) => `${n.line}: ${n.note}`);

describe('template markup', () => {
  it('Jinja/Ansible: skips statements, marks values, reads one server per branch-free block', () => {
    // geerlingguy/ansible-role-nginx, templates/vhost.j2 (commit 12e9f511), lines 1-14.
    const text = [
      '{% block server_redirect %}',
      '{% if item.server_name_redirect is defined %}',
      'server {',
      "    listen       {{ item.listen | default('80') }};",
      '    server_name  {{ item.server_name_redirect }};',
      "    return       301 $scheme://{{ item.server_name.split(' ')[0] }}$request_uri;",
      '}',
      '{% endif %}',
      '{% endblock %}',
      '',
      'server {',
      '    {% block server_begin %}{% endblock %}',
      '',
      '    {% block server_basic -%}',
    ].join('\n');
    // The excerpt stops inside the second server: close it to make a whole fragment.
    const t = loadNginxConfig({ text: `${text}\n    listen 80;\n    {% endblock %}\n}\n`, name: 'vhost.j2' });
    expect(t.status).toBe('ok');
    expect(t.context).toEqual(['http']);
    expect(outline(t.root)).toEqual([
      '3 server',
      `  4 listen ${M}`,
      `  5 server_name ${M}`,
      `  6 return 301 $scheme://${M}$request_uri`,
      '11 server',
      '  15 listen 80',
    ]);
    expect(directives(t, 'listen')[0]?.node.templated).toBe(true);
    expect(directives(t, 'listen')[1]?.node.templated).toBeUndefined();
    expect(notesOf(t).slice(0, 4)).toEqual([
      '1: template markup skipped: {% block server_redirect %}',
      '2: template markup skipped: {% if item.server_name_redirect is defined %}',
      "4: template markup skipped: {{ item.listen | default('80') }}",
      '5: template markup skipped: {{ item.server_name_redirect }}',
    ]);
  });

  it('Helm/Go templates: comments, define/end and values inside words', () => {
    // truecharts/public, charts/stable/vikunja/templates/_configmap.tpl: the nginx text inside the define.
    const text = [
      '{{/* Define the configmap */}}',
      '{{- define "vikunja.nginx" -}}',
      '  server {',
      '    listen {{ .Values.service.main.ports.main.port }};',
      '    location / {',
      '        proxy_pass http://localhost:80;',
      '    }',
      '    location ~* ^/(api|dav|\\.well-known)/ {',
      '        proxy_pass http://localhost:{{ .Values.vikunja.service.interface | replace ":" "" }};',
      '        client_max_body_size {{ .Values.vikunja.files.maxsize | upper | trimSuffix "B" }};',
      '    }',
      '  }',
      '{{- end -}}',
    ].join('\n');
    const t = loadNginxConfig({ text });
    expect(t.status).toBe('ok');
    expect(directives(t, 'proxy_pass').map((d) => d.node.args[0])).toEqual(['http://localhost:80', `http://localhost:${M}`]);
    expect(directives(t, 'client_max_body_size')[0]?.node.args).toEqual([M]);
    expect(notesOf(t)).toHaveLength(6);
  });

  it('ERB: values in names and args, loops, and one branch of an if/else', () => {
    // sous-chefs/nginx, templates/default/default-site.erb (commit 034480c3), whole file.
    const site = "server {\n  listen   80;\n  server_name  <%= node['hostname'] %>;\n\n  access_log  <%= node['nginx']['log_dir'] %>/localhost.access.log;\n\n  location / {\n    root   <%= node['nginx']['default_dir'] %>;\n    index  index.html index.htm;\n  }\n}\n";
    const a = loadNginxConfig({ text: site });
    expect(a.status).toBe('ok');
    expect(outline(a.root)).toEqual(['1 server', '  2 listen 80', `  3 server_name ${M}`, `  5 access_log ${M}/localhost.access.log`, '  7 location /', `    8 root ${M}`, '    9 index index.html index.htm']);

    // sous-chefs/nginx, templates/default/site-template.erb (commit 0c00193d), the locations loop.
    const loop = [
      'server {',
      "  <% @server['locations'].each do |location, options| -%>",
      '  location <%= location %> {',
      '    <% options.each do |option, value| -%>',
      '    <% if nil_or_empty?(value) -%>',
      '    <%= option %>;',
      '    <% else -%>',
      '    <% Array(value).each do |val| -%>',
      "    <%= option %> <%= val %><% unless String(val).end_with?('}') -%>;<% end -%>",
      '    <% end -%>',
      '    <% end -%>',
      '    <% end -%>',
      '  }',
      '  <% end -%>',
      '}',
    ].join('\n');
    const b = loadNginxConfig({ text: loop });
    expect(b.status).toBe('ok');
    // The else branch would add a second directive; reading one branch keeps the shape of one rendering.
    expect(outline(b.root)).toEqual(['1 server', `  3 location ${M}`, `    6 ${M}`]);
    expect(notesOf(b)).toContain('7: template markup skipped: the other branch of a conditional (to line 11)');
  });

  it('reads the first branch of a conditional in statements, words and strings alike', () => {
    const text = [
      '{{ if .Server.SSL }}',
      'listen 443 ssl;',
      '{{ else }}',
      'listen 80;',
      '{{ end }}',
      'listen 8080 {% if default %}default_server{% else %}backlog=511{% endif %};',
      'return 200 "{% if a %}x{% else %}y{% endif %}";',
    ].join('\n');
    const t = loadNginxConfig({ text });
    expect(t.errors).toEqual([]);
    expect(outline(t.root)).toEqual(['2 listen 443 ssl', '6 listen 8080 default_server', '7 return 200 x']);
  });

  it('envsubst: ${VAR} that nginx would not read as its own variable is markup', () => {
    // Docker's nginx image docs (docker-library/docs, nginx/content.md): "listen       ${NGINX_PORT};".
    const text = [
      'server {',
      '    listen       ${NGINX_PORT};',
      '    server_name  ${NGINX_HOST};',
      '    set $Backend_Port 8080;',
      '    location / {',
      '        proxy_pass http://${UPSTREAM_HOST}:${BACKEND_PORT};',
      '        proxy_set_header Host ${HOST};',
      '        proxy_set_header X-Token "${HTTP_X_TOKEN}";',
      '        return 200 "${request_uri} ${NGINX_VERSION}";',
      '    }',
      '}',
    ].join('\n');
    const t = loadNginxConfig({ text });
    expect(t.status).toBe('ok');
    expect(outline(t.root)).toEqual([
      '1 server',
      `  2 listen ${M}`,
      `  3 server_name ${M}`,
      '  4 set $Backend_Port 8080',
      '  5 location /',
      // ${BACKEND_PORT} is the config's own $backend_port: nginx names are case-insensitive.
      `    6 proxy_pass http://${M}:\${BACKEND_PORT}`,
      '    7 proxy_set_header Host ${HOST}',
      '    8 proxy_set_header X-Token ${HTTP_X_TOKEN}',
      '    9 return 200 ${request_uri} ${NGINX_VERSION}',
    ]);
    expect(notesOf(t)).toEqual([
      '2: template markup skipped: ${NGINX_PORT} (envsubst: not a variable nginx knows here)',
      '3: template markup skipped: ${NGINX_HOST} (envsubst: not a variable nginx knows here)',
      '6: template markup skipped: ${UPSTREAM_HOST} (envsubst: not a variable nginx knows here)',
    ]);
  });

  it.skipIf(!NGINX)('rests on what nginx does with ${NAME}: case-insensitive lookup, unknown names rejected', () => {
    const ok = tree({
      'nginx.conf': 'events {}\nhttp { server { listen 127.0.0.1:18099; set $Backend_Port 8080; location / { return 200 "${HOST} ${HTTP_X_TOKEN} ${BACKEND_PORT} ${NGINX_VERSION}"; } } }\n',
    });
    expect(nginxTest(ok)).toMatchObject({ ok: true });
    const unknown = tree({ 'nginx.conf': 'events {}\nhttp { server { listen 127.0.0.1:18099; location / { proxy_pass http://${UPSTREAM_HOST}:8080; } } }\n' });
    expect(nginxTest(unknown).stderr).toContain('unknown "upstream_host" variable');
  });

  it('keeps a variable a regex capture declares', () => {
    const t = loadNginxConfig({ text: 'server {\n  server_name ~^(?<SUB>[a-z]+)\\.example\\.com$;\n  root /srv/${SUB};\n}\n' });
    expect(directives(t, 'root')[0]?.node.args).toEqual(['/srv/${SUB}']);
  });

  it('skips a whole line of envsubst markup where a directive would start', () => {
    // ostankin/docker-wildcard-certbot-dns, docker-compose/ssl_proxy/img/nginx-ssl/upstream.conf.tpl: a
    // `${UPSTREAM_INCLUDE}` line that envsubst fills with directives.
    const t = loadNginxConfig({ text: 'server {\n    include /dev/null;\n${UPSTREAM_INCLUDE}\n    listen       443 ssl;\n}\n' });
    expect(t.errors).toEqual([]);
    expect(outline(t.root)).toEqual(['1 server', '  2 include /dev/null', '  4 listen 443 ssl']);
  });

  it('does not follow an include whose path is markup, and says so', () => {
    const t = loadNginxConfig({ text: 'http {\n  include /etc/nginx/sites/{{ site }}.conf;\n  include /etc/nginx/${SITE}.conf;\n}\n' });
    expect(t.errors).toEqual([]);
    expect(t.notes.filter((n) => n.code === 'CONF_INCLUDE_TEMPLATED').map((n) => n.line)).toEqual([2, 3]);
  });

  it('leaves nginx\'s own syntax alone: ${var}, braces in regexes and a "{#" comment after a block opens', () => {
    const text = 'server {# main site\n  location ~ "^/a{2}$" { return 200 "${host}{"; }\n  set $x "a<b%c";\n}\n';
    const t = loadNginxConfig({ text });
    expect(t.notes.filter((n) => n.code === 'CONF_TEMPLATE_SKIPPED')).toEqual([]);
    expect(outline(t.root)).toEqual(['1 server', '  2 location ~ ^/a{2}$', '    2 return 200 ${host}{', '  3 set $x a<b%c']);
  });

  it('can be switched off, for text known to be plain nginx', () => {
    const t = loadNginxConfig({ text: "location / { sub_filter '{{name}}' 'x'; proxy_pass http://${UPSTREAM}; }" }, { templates: false });
    expect(directives(t, 'sub_filter')[0]?.node.args).toEqual(['{{name}}', 'x']);
    expect(directives(t, 'proxy_pass')[0]?.node.args).toEqual(['http://${UPSTREAM}']);
  });
});
