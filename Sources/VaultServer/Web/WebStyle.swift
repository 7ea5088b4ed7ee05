/// The web page's style sheet (`/app.css`): readable at 200 % zoom (sizes in rem, forms and the
/// header wrap, wide tables scroll inside their box), a visible focus ring on every control.
enum WebStyle {
    static let css = """
    [hidden] { display: none !important; }
    body { font-family: system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; line-height: 1.4; }
    header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; padding: .5rem 1rem; background: #24405f; color: #fff; }
    header h1 { font-size: 1.2rem; margin: 0; flex: 1 1 auto; }
    header nav { display: flex; gap: .5rem; flex-wrap: wrap; }
    header button { background: #fff; color: #24405f; }
    header nav button[aria-current="page"] { background: #ffbf47; color: #1d2330; font-weight: bold; }
    section, main { padding: .5rem 1rem; }
    main { padding: 0; }
    h2 { font-size: 1.15rem; margin: .75rem 0 .5rem; }
    h3 { font-size: 1rem; margin: .75rem 0 .25rem; }
    .table-wrap { overflow-x: auto; max-width: 100%; }
    table { border-collapse: collapse; width: 100%; background: #fff; }
    th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #dde1e6; font-size: .9rem; vertical-align: top; }
    td code { font-size: .8rem; word-break: break-all; }
    td.date { white-space: nowrap; }
    video { width: 100%; max-width: 720px; background: #000; }
    .error { color: #a4161a; }
    .hint { color: #4a5263; font-size: .9rem; max-width: 60rem; }
    .overdue { color: #a4161a; font-weight: bold; }
    .breakglass { color: #a4161a; font-weight: bold; }
    button, a.button { font: inherit; display: inline-block; padding: .35rem .8rem; border: 1px solid #24405f; border-radius: 3px;
      background: #24405f; color: #fff; text-decoration: none; cursor: pointer; }
    button[type="reset"], button#stepup-cancel, td button.secondary { background: #fff; color: #24405f; }
    button.link { background: none; border: none; padding: 0; color: #24405f; text-decoration: underline; font-size: .9rem; }
    td button { margin: .1rem .4rem .1rem 0; }
    a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, [tabindex]:focus-visible {
      outline: 3px solid #ffbf47; outline-offset: 2px; box-shadow: 0 0 0 5px #1d2330; }
    .filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: flex-end; margin: .5rem 0; }
    .filters h3 { flex-basis: 100%; }
    .field { display: flex; flex-direction: column; gap: .15rem; min-width: 10rem; }
    .field label { font-size: .9rem; font-weight: 600; }
    input, select { font: inherit; padding: .3rem .4rem; border: 1px solid #6b7385; border-radius: 3px; background: #fff; color: inherit; }
    .actions { display: flex; gap: .5rem; flex-wrap: wrap; }
    #officer-status:not(:empty) { background: #e6f1e8; border-left: 4px solid #2e7d32; padding: .5rem .75rem; margin: .5rem 1rem; }
    #officer-status.error:not(:empty) { background: #fbe9e9; border-left-color: #a4161a; }
    dialog { max-width: min(36rem, calc(100vw - 2rem)); border: 2px solid #24405f; border-radius: 4px; padding: 1rem; }
    dialog::backdrop { background: rgba(29, 35, 48, .5); }
    dialog .field { margin-bottom: .6rem; }
    .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
    @media (max-width: 40rem) {
      header h1 { flex-basis: 100%; }
      .field { min-width: 0; flex: 1 1 100%; }
      th, td { padding: .25rem .3rem; }
    }
    """
}
