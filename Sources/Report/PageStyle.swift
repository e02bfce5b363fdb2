/// The page's only stylesheet, inline. Light and dark follow the reader's system; below 700 px
/// the layout goes to one column and wide tables scroll sideways inside their box.
enum PageStyle {
    static let css = """
        :root{--fg:#1d2430;--muted:#5b6575;--bg:#fff;--panel:#f5f7fa;--line:#d9dee6;--accent:#2f6fdf;\
        --raw:#9fb7e6;--smooth:#1f5fd0;--eval:#d9480f;--compare:#2b8a3e;--lr:#7048e8;--norm:#c2255c;--rate:#0b7285;\
        --cached:#dbe4ff;--ran:#d3f9d8;--running:#fff3bf;--failed:#ffc9c9;--stale:#ffe8cc;--never-run:#f1f3f5;\
        --prompt:#e9ecef;--trained:#d3f9d8}
        @media (prefers-color-scheme:dark){:root{--fg:#e6e9ef;--muted:#a3acba;--bg:#14171c;--panel:#1d2128;\
        --line:#343a46;--raw:#4a6397;--smooth:#74a4ff;--cached:#25315a;--ran:#1f4a2a;--running:#574a12;\
        --failed:#5c2323;--stale:#5a3d17;--never-run:#2a2e36;--prompt:#2a2e36;--trained:#1f4a2a}}
        *{box-sizing:border-box}
        body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",\
        Roboto,"Noto Sans","Noto Sans CJK SC",sans-serif}
        main{max-width:1240px;margin:0 auto;padding:16px 24px 48px}
        h1{font-size:1.7em;margin:.2em 0}h2{font-size:1.35em;margin:1.6em 0 .5em;padding-bottom:.2em;\
        border-bottom:1px solid var(--line)}h3{font-size:1.1em;margin:1.2em 0 .4em}h4{margin:1em 0 .3em}
        .sub,.meta,.why,.note,figcaption{color:var(--muted);font-weight:normal}.lead{margin:.2em 0}
        nav{display:flex;flex-wrap:wrap;gap:4px 16px;margin:.6em 0}nav a{color:var(--accent)}
        .banner{background:var(--running);padding:8px 12px;border-radius:6px}
        code,pre{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:.9em}
        pre{background:var(--panel);padding:10px 12px;border-radius:6px;white-space:pre-wrap;\
        overflow-wrap:anywhere;margin:.4em 0}
        .scroll{overflow-x:auto;max-width:100%}
        table{border-collapse:collapse;margin:.4em 0;min-width:50%}
        th,td{border-bottom:1px solid var(--line);padding:4px 10px;text-align:left;vertical-align:top}
        th{font-weight:600}.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        td.text{min-width:14em;max-width:38em;white-space:pre-wrap;overflow-wrap:anywhere}
        .badge{padding:1px 8px;border-radius:10px;white-space:nowrap}
        .badge.cached,.stage.cached rect{background:var(--cached);fill:var(--cached)}
        .badge.ran,.stage.ran rect{background:var(--ran);fill:var(--ran)}
        .badge.running,.stage.running rect{background:var(--running);fill:var(--running)}
        .badge.failed,.stage.failed rect{background:var(--failed);fill:var(--failed)}
        .badge.stale,.stage.stale rect{background:var(--stale);fill:var(--stale)}
        .badge.never-run,.stage.never-run rect,.badge.skipped,.stage.skipped rect{background:var(--never-run);\
        fill:var(--never-run)}
        svg text{fill:var(--fg);font-family:inherit}
        .dag{display:block;max-width:none}.dag rect{stroke:var(--line);stroke-width:1.5}
        .dag .id{font-weight:600;font-size:14px}.dag .kind,.dag .state,.dag .facts{font-size:12px}
        .dag .facts{fill:var(--muted)}.wire{fill:none;stroke:var(--muted);stroke-width:1.5}
        .charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,460px),1fr));gap:8px 20px}
        figure{margin:.4em 0;max-width:640px}.charts figure{max-width:none}
        .chart{width:100%;height:auto;display:block}.chart .tick{font-size:13px;fill:var(--muted)}
        .chart .legend,.chart .axis-label,.chart .limit-label{font-size:13px}
        .grid line{stroke:var(--line);stroke-width:1}.frame{fill:none;stroke:var(--line)}
        .series{fill:none;stroke-width:2;stroke-linejoin:round}
        .series.raw{stroke:var(--raw);stroke-width:1.2}.series.smooth{stroke:var(--smooth)}
        .series.eval{stroke:var(--eval)}.series.compare{stroke:var(--compare);stroke-dasharray:6 3}
        .series.compare-eval{stroke:var(--compare)}.series.lr{stroke:var(--lr)}.series.norm{stroke:var(--norm)}
        .series.rate{stroke:var(--rate)}.dot.eval{fill:var(--eval)}.dot.compare-eval{fill:var(--compare)}
        .legend.raw{fill:var(--raw)}.legend.smooth{fill:var(--smooth)}.legend.eval{fill:var(--eval)}
        .legend.compare,.legend.compare-eval{fill:var(--compare)}.legend.lr{fill:var(--lr)}
        .legend.norm{fill:var(--norm)}.legend.rate{fill:var(--rate)}
        .bar{fill:var(--smooth)}.limit{stroke:var(--eval);stroke-width:2;stroke-dasharray:5 3}
        .limit-label{fill:var(--eval)}
        dl.facts{display:flex;flex-wrap:wrap;gap:6px 24px;margin:.4em 0}dl.facts div{min-width:8em}
        dt{color:var(--muted);font-size:.85em}dd{margin:0;font-weight:600;overflow-wrap:anywhere}
        .examples{display:grid;gap:8px}.example-title{color:var(--muted);font-size:.85em}
        .prompt{background:var(--prompt)}.trained{background:var(--trained)}.field{font-weight:600}
        .legend-text span{padding:0 6px;border-radius:4px;font-size:.85em}
        ul.files{padding-left:1.2em;margin:.3em 0}
        @media (max-width:700px){main{padding:10px 12px 32px}body{font-size:14px}h1{font-size:1.4em}\
        td.text{min-width:11em}th,td{padding:3px 6px}\
        .stages .inputs{display:none}.chart .tick,.chart .legend,.chart .axis-label,.chart .limit-label{font-size:16px}}
        """
}
