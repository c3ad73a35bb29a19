// The docs site's customJs: draws ```mermaid blocks with the copy of Mermaid
// that the site ships in assets/ (see scripts/typedoc/plugin.ts).
;(function () {
  var blocks = document.querySelectorAll('pre > code.mermaid')
  if (blocks.length === 0) return
  var here = document.currentScript && document.currentScript.src
  var script = document.createElement('script')
  script.src = new URL('mermaid.min.js', here || location.href).href
  script.onload = function () {
    var nodes = []
    blocks.forEach(function (code) {
      var holder = document.createElement('div')
      holder.className = 'mermaid'
      holder.textContent = code.textContent
      code.parentElement.replaceWith(holder)
      nodes.push(holder)
    })
    var dark =
      document.documentElement.dataset.theme === 'dark' ||
      (document.documentElement.dataset.theme !== 'light' && matchMedia('(prefers-color-scheme: dark)').matches)
    window.mermaid.initialize({ startOnLoad: false, theme: dark ? 'dark' : 'default', securityLevel: 'strict' })
    window.mermaid.run({ nodes: nodes }).then(function () {
      document.documentElement.dataset.mermaid = 'rendered'
    })
  }
  document.head.appendChild(script)
})()
