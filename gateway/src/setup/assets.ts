/**
 * The pages' only stylesheet and script, served from the gateway (no external assets; the CSP allows 'self'
 * only). The script adds copy buttons and moves the focus to an error summary; every page works without it.
 */
export const SETUP_CSS = `:root{--text:#0b0c0c;--muted:#505a5f;--line:#b1b4b6;--link:#1d70b8;--focus:#ffdd00;--error:#d4351c;--ok:#00703c;--panel:#f3f2f1}
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:1rem;line-height:1.5;color:var(--text);background:#fff}
a{color:var(--link)}a:visited{color:#4c2c92}
a:focus,button:focus,input:focus,select:focus,summary:focus,textarea:focus{outline:3px solid var(--focus);outline-offset:0;box-shadow:0 0 0 5px var(--text)}
.visually-hidden{position:absolute!important;width:1px;height:1px;margin:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:var(--focus);padding:.5rem;z-index:2}
header.top{background:var(--text);color:#fff;padding:.75rem 1rem}
header.top a{color:#fff}header.top .org{font-weight:700;font-size:1.1rem}
header.top .who{font-size:.9rem;color:#ddd;display:block}
nav.tabs{border-bottom:1px solid var(--line);padding:0 1rem;display:flex;flex-wrap:wrap;gap:0 1.25rem}
nav.tabs a{display:inline-block;padding:.6rem 0;text-decoration:none;font-weight:600}
nav.tabs a[aria-current=page]{border-bottom:4px solid var(--link);color:var(--text)}
main{max-width:60rem;margin:0 auto;padding:1rem 1rem 3rem}
h1{font-size:1.75rem;line-height:1.2;margin:1rem 0}h2{font-size:1.3rem;margin:2rem 0 .75rem}h3{font-size:1.1rem}
.lead{font-size:1.1rem}.muted{color:var(--muted)}.small{font-size:.9rem}
.panel{border:1px solid var(--line);padding:1rem;margin:1rem 0;background:#fff}
.notice{border-left:6px solid var(--link);background:var(--panel);padding:1rem;margin:1rem 0}
.success{border-left:6px solid var(--ok);background:#e6f2eb;padding:1rem;margin:1rem 0}
.warning{border-left:6px solid var(--error);background:#fbeeeb;padding:1rem;margin:1rem 0}
.error-summary{border:5px solid var(--error);padding:1rem;margin:1rem 0}
.error-summary:focus{outline:3px solid var(--focus);outline-offset:0}.error-summary h2{margin-top:0}.error-summary a{color:var(--error);font-weight:700}
.field{margin:0 0 1.25rem}.field label,.field legend{display:block;font-weight:700;margin-bottom:.25rem}
.field .hint{display:block;color:var(--muted);margin-bottom:.25rem}
.field-error{border-left:5px solid var(--error);padding-left:.75rem}
.error-message{display:block;color:var(--error);font-weight:700;margin-bottom:.25rem}
input[type=text],input[type=url],input[type=search],input[type=email],input[type=datetime-local],select{font:inherit;padding:.4rem;border:2px solid var(--text);width:100%;max-width:32rem}
.field-error input,.field-error select{border-color:var(--error)}
fieldset{border:0;padding:0;margin:0 0 1rem}
.choice{display:flex;gap:.5rem;align-items:flex-start;margin:.5rem 0}.choice input{width:1.5rem;height:1.5rem;margin:0;flex:none}
button,.button{font:inherit;font-weight:600;padding:.5rem 1rem;border:0;border-bottom:2px solid #002d18;background:var(--ok);color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:var(--panel);color:var(--text);border-bottom-color:#929191}
button.danger{background:var(--error);border-bottom-color:#55150b}
.inline-form{display:inline}
dl.values{margin:0}dl.values>div{border-bottom:1px solid var(--line);padding:.6rem 0}
dl.values dt{font-weight:700}dl.values dd{margin:0;display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
code,.value{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--panel);padding:.1rem .3rem;overflow-wrap:anywhere}
.value{word-break:break-all}td code{white-space:nowrap}
.copy{font-size:.85rem;padding:.25rem .6rem}
.badge{display:inline-block;border:2px solid currentColor;padding:0 .4rem;font-size:.85rem;font-weight:700;white-space:nowrap}
.badge.prov{color:#0b0c0c;background:#bbd4ea}.badge.manual{color:#505a5f}.badge.off{color:#942514}.badge.on{color:var(--ok)}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
th,td{text-align:left;vertical-align:top;padding:.5rem .5rem .5rem 0;border-bottom:1px solid var(--line)}
th{font-weight:700}
details{margin:.25rem 0}summary{color:var(--link);cursor:pointer;text-decoration:underline}
details .panel{margin:.5rem 0}
ol.steps>li{margin-bottom:.75rem}
.pager{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
.filters{display:flex;flex-wrap:wrap;gap:0 1rem;align-items:flex-end}.filters .field{flex:1 1 12rem}
@media (max-width:40rem){h1{font-size:1.4rem}main{padding:.75rem}
 table.stack thead{position:absolute;left:-9999px}
 table.stack tr{display:block;border-bottom:2px solid var(--line);padding:.5rem 0}
 table.stack td{display:block;border:0;padding:.15rem 0}
 table.stack td[data-label]::before{content:attr(data-label) ": ";font-weight:700}}
`;

export const COPY_JS = `(function(){
  var summary=document.querySelector('.error-summary');if(summary){summary.focus();}
  document.querySelectorAll('[data-copy]').forEach(function(el){
    var b=document.createElement('button');b.type='button';b.className='secondary copy';
    var label=el.getAttribute('data-copy-label')||'value';
    b.textContent='Copy';b.setAttribute('aria-label','Copy '+label);
    b.addEventListener('click',function(){
      var done=function(){b.textContent='Copied';setTimeout(function(){b.textContent='Copy';},2000);};
      if(navigator.clipboard){navigator.clipboard.writeText(el.textContent).then(done,function(){});}
      else{var r=document.createRange();r.selectNodeContents(el);var s=getSelection();s.removeAllRanges();s.addRange(r);}
    });
    el.insertAdjacentElement('afterend',b);
  });
})();
`;
