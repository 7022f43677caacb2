"""The story page's inline CSS and JS.

Kept inline (never a CDN or a file next to the page) so the page works offline, from an email
attachment or a ticket, and cannot fetch anything when opened. The JS only opens, closes and
filters the node sections; the page reads fine without it.
"""

STATUS_COLORS = {
    "success": "#2e7d32",
    "warning": "#e67e00",
    "failed": "#c62828",
    "skipped": "#8a8f98",
    "running": "#1565c0",
    "pending": "#6b7280",
    "disabled": "#b0b4ba",
    "partial": "#e67e00",
    "cancelled": "#6b7280",
}

_status_css = "".join(
    f".s-{k} rect{{fill:{v}}}.chip.s-{k},.badge.s-{k}{{background:{v}}}.node.s-{k}>summary{{border-left-color:{v}}}"
    for k, v in STATUS_COLORS.items()
)

CSS = (
    "*{box-sizing:border-box}"
    "body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1f2933;background:#f5f7fa}"
    "main{max-width:1200px;margin:0 auto;padding:16px 20px 40px}"
    "h1{font-size:22px;margin:0 0 6px}h2{font-size:17px;margin:22px 0 8px}h3{font-size:14px;margin:12px 0 4px}"
    "header.run{background:#fff;border:1px solid #dde2e8;border-radius:8px;padding:14px 18px}"
    ".meta{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:4px 18px;margin:8px 0 0}"
    ".meta div{overflow-wrap:anywhere}.meta b{color:#52606d;font-weight:600;margin-right:6px}"
    ".badge,.chip{display:inline-block;color:#fff;border-radius:10px;padding:1px 9px;font-size:12px;"
    "font-weight:600;text-decoration:none;margin:1px 2px}"
    ".badge.big{font-size:14px;padding:3px 12px;vertical-align:middle}"
    ".chip.s-external{background:#fff;color:#52606d;border:1px dashed #8a94a6}"
    ".muted{color:#7b8794}.graph-wrap{overflow:auto;background:#fff;border:1px solid #dde2e8;border-radius:8px}"
    "svg.graph text{fill:#fff;font-size:12px;text-anchor:middle;pointer-events:none}"
    "svg.graph .edges path{fill:none;stroke:#8a94a6;stroke-width:1.3}"
    "svg.graph .s-external rect{fill:#fff;stroke:#8a94a6;stroke-dasharray:4 3}"
    "svg.graph .s-external text{fill:#52606d}svg.graph a:hover rect{opacity:.85}"
    "ol.levels{background:#fff;border:1px solid #dde2e8;border-radius:8px;padding:10px 12px;list-style:none}"
    "ol.levels li{margin:4px 0}.lvl{color:#7b8794;margin-right:6px}"
    ".toolbar{margin:6px 0 10px}.toolbar button{font:inherit;margin:0 4px 4px 0;padding:2px 10px;"
    "border:1px solid #c5ccd3;border-radius:6px;background:#fff;cursor:pointer}"
    ".toolbar button.on{background:#1f2933;color:#fff}"
    "details.node{background:#fff;border:1px solid #dde2e8;border-radius:8px;margin:6px 0}"
    "details.node>summary{cursor:pointer;padding:8px 12px;border-left:6px solid #6b7280;border-radius:8px;"
    "list-style-position:inside}"
    "details.node>summary .name{font-weight:600;margin-right:8px}.node .body{padding:4px 16px 12px}"
    "table{border-collapse:collapse;margin:4px 0 8px;font-size:13px}"
    "th,td{border:1px solid #e4e7eb;padding:3px 8px;text-align:left;vertical-align:top}"
    "th{background:#f0f3f7;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".scroll{overflow:auto;max-width:100%}td.null{color:#9aa5b1;font-style:italic}"
    "tr.added td,span.added{background:#e3f6e5}tr.removed td,span.removed{background:#fde8e8}"
    "tr.removed td{text-decoration:line-through}tr.changed td{background:#fff4dc}span.added,span.removed"
    "{font-weight:400;font-size:12px;padding:1px 6px;border-radius:6px}"
    "pre{background:#f0f3f7;border-radius:6px;padding:8px 10px;overflow:auto;white-space:pre-wrap;"
    "overflow-wrap:anywhere;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;margin:4px 0 8px}"
    ".err{border:1px solid #e0a3a3;background:#fdecec;border-radius:8px;padding:8px 12px;margin:8px 0}"
    ".err pre{background:#fff6f6}.err .hint{margin:4px 0 0}"
    ".skip{border:1px solid #d5d9de;background:#f3f4f6;border-radius:8px;padding:6px 12px;margin:8px 0}"
    ".warn{border:1px solid #f0cf8a;background:#fff8e6;border-radius:8px;padding:6px 12px 6px 28px;margin:8px 0}"
    ".heal{border:1px solid #c9d6ea;background:#f5f8fd;border-radius:8px;padding:6px 12px;margin:8px 0}"
    "pre.diff span.add{background:#e3f6e5;display:block}pre.diff span.del{background:#fde8e8;display:block}"
    ".pass{color:#2e7d32;font-weight:600}.fail{color:#c62828;font-weight:600}"
    ".kv td:first-child{color:#52606d;font-weight:600}footer{margin-top:24px;color:#7b8794;font-size:12px}"
    + _status_css
)

JS = """
(function(){
  var nodes=[].slice.call(document.querySelectorAll('details.node'));
  function openFor(hash){var d=hash&&document.getElementById(hash.slice(1));if(d&&d.tagName==='DETAILS'){d.open=true;}}
  document.addEventListener('click',function(e){
    var a=e.target.closest&&e.target.closest('a[href^="#n-"]');
    if(a){openFor(a.getAttribute('href'));}
    var b=e.target.closest&&e.target.closest('button[data-act]');
    if(!b){return;}
    var act=b.getAttribute('data-act');
    if(act==='open'||act==='close'){nodes.forEach(function(d){if(d.style.display!=='none'){d.open=(act==='open');}});return;}
    [].forEach.call(document.querySelectorAll('button[data-act="filter"]'),function(x){x.classList.remove('on');});
    b.classList.add('on');
    var st=b.getAttribute('data-status');
    nodes.forEach(function(d){d.style.display=(!st||d.getAttribute('data-status')===st)?'':'none';});
  });
  openFor(location.hash);
})();
"""
