// The story body editor's additions to django-prose-editor 0.28 (its newest release),
// loaded with it through settings.DJANGO_PROSE_EDITOR_EXTENSIONS and named in
// articles.models.article.BODY_EDITOR_EXTENSIONS.
//
// - NewsroomLink: after a link is added, the caret goes after the link (the upstream
//   dialog left the word selected and gave focus back a frame later, so End then Enter,
//   typed at once, replaced the linked word with a new paragraph).
// - NewsroomEditing: spellcheck on; the box named by the field's label; Enter in a
//   photo's caption starts a paragraph after the photo (upstream it did nothing, and
//   typing went on in the caption); a key that edits reads the caret from the page
//   first, so a move made just before (End, an arrow) is never lost.
// - Embed: a YouTube, Vimeo, X or OpenStreetMap address pasted on its own line becomes
//   an embed. The server (articles/embeds.py) decides what it really is on save.
import * as prose from "django-prose-editor/editor"

const { Extension, Node, Plugin, Link, gettext, updateAttrsDialog } = prose
const { TextSelection } = prose.pm.state

// --- Links ---------------------------------------------------------------------------

const askForLink = (editor, attrs, options) => {
  const properties = {
    href: { type: "string", title: gettext("URL") },
    title: { type: "string", title: gettext("Title") },
  }
  if (options.enableTarget) {
    properties.openInNewWindow = { type: "boolean", title: gettext("Open in new window") }
  }
  const current = { ...attrs, openInNewWindow: attrs.target === "_blank" }
  return updateAttrsDialog(properties, { title: gettext("Edit Link") })(editor, current).then(
    (chosen) => {
      if (!chosen) return null
      const { openInNewWindow, ...rest } = chosen
      return {
        ...rest,
        target: openInNewWindow ? "_blank" : null,
        rel: openInNewWindow ? "noopener" : null,
      }
    },
  )
}

export const NewsroomLink = Link.extend({
  addCommands() {
    return {
      ...this.parent?.(),
      addLink:
        () =>
        ({ editor }) => {
          if (editor.state.selection.empty && !editor.isActive("link")) return false
          askForLink(editor, editor.getAttributes(this.name), this.options).then((attrs) => {
            // Focus now, not a frame later: keys typed meanwhile must reach the text.
            editor.view.focus()
            if (!attrs) return
            let chain = editor.chain()
            if (editor.isActive("link")) {
              chain = chain.extendMarkRange(this.name).updateAttributes(this.name, attrs)
            } else {
              chain = chain.setMark(this.name, attrs)
            }
            // The caret after the link, as in every word processor; the next character
            // typed is not part of the link.
            chain
              .command(({ tr }) => {
                tr.setSelection(TextSelection.create(tr.doc, tr.selection.to))
                tr.removeStoredMark(editor.schema.marks[this.name])
                return true
              })
              .run()
          })
          return true
        },
    }
  },
})

// --- Editing -------------------------------------------------------------------------

// Keys that change the text at the caret: they must act where the caret is now.
const EDITING_KEYS = new Set(["Enter", "Backspace", "Delete", "Tab"])

const syncSelectionFromPage = (view) => {
  // ProseMirror learns about caret moves from the page's "selectionchange" event, which
  // arrives after the next key when keys come fast. Read the page's selection now.
  const observer = view.domObserver
  if (observer && typeof observer.flush === "function") observer.flush()
}

const captionDepth = ($pos) => {
  for (let depth = $pos.depth; depth > 0; depth--) {
    if ($pos.node(depth).type.name === "caption") return depth
  }
  return null
}

// The editable box is a role="textbox" with no name: a screen reader announced "edit
// text", and axe reports it. It is named by the field's label ("Body") and described by
// its help text, as the <textarea> it stands in for was.
const nameAfterField = (dom) => {
  const textarea = dom.closest(".prose-editor")?.querySelector("textarea")
  if (!textarea || !textarea.id) return
  const label = document.querySelector(`label[for="${CSS.escape(textarea.id)}"]`)
  if (label) {
    if (!label.id) label.id = `${textarea.id}-label`
    dom.setAttribute("aria-labelledby", label.id)
  }
  const help = textarea.getAttribute("aria-describedby")
  if (help) dom.setAttribute("aria-describedby", help)
  dom.setAttribute("aria-multiline", "true")
}

export const NewsroomEditing = Extension.create({
  name: "newsroomEditing",
  priority: 1000,

  addProseMirrorPlugins() {
    return [
      new Plugin({
        view(view) {
          view.dom.setAttribute("spellcheck", "true")
          nameAfterField(view.dom)
          window.setTimeout(() => nameAfterField(view.dom), 0) // if mounted after this
          return {}
        },
        props: {
          handleKeyDown(view, event) {
            if (EDITING_KEYS.has(event.key) && !event.isComposing) syncSelectionFromPage(view)
            return false
          },
        },
      }),
    ]
  },

  addKeyboardShortcuts() {
    return {
      // A caption cannot be split: Enter there starts a paragraph after the photo.
      Enter: ({ editor }) => {
        // This shortcut can run before the key handler above: read the caret first.
        syncSelectionFromPage(editor.view)
        const { view } = editor
        const { state } = view
        const { $from } = state.selection
        const depth = captionDepth($from)
        if (depth === null) return false
        const figureDepth = depth - 1
        const after = $from.after(figureDepth)
        const tr = state.tr.insert(after, state.schema.nodes.paragraph.create())
        tr.setSelection(TextSelection.create(tr.doc, after + 1)).scrollIntoView()
        view.dispatch(tr)
        return true
      },
    }
  },
})

// --- Embeds --------------------------------------------------------------------------

// Which kind of embed an address looks like. A first look only, for the editor's
// display: articles/embeds.py checks the address again and builds the frame address.
const EMBED_HOSTS = {
  "youtube.com": "youtube",
  "www.youtube.com": "youtube",
  "m.youtube.com": "youtube",
  "youtu.be": "youtube",
  "vimeo.com": "vimeo",
  "www.vimeo.com": "vimeo",
  "player.vimeo.com": "vimeo",
  "x.com": "x",
  "www.x.com": "x",
  "twitter.com": "x",
  "www.twitter.com": "x",
  "mobile.twitter.com": "x",
  "openstreetmap.org": "map",
  "www.openstreetmap.org": "map",
}

const EMBED_LABELS = {
  youtube: gettext("YouTube video"),
  vimeo: gettext("Vimeo video"),
  x: gettext("Post on X"),
  map: gettext("OpenStreetMap map"),
}

export const embedProvider = (text) => {
  if (!text || /\s/.test(text) || text.length > 500) return null
  let url
  try {
    url = new URL(text)
  } catch {
    return null
  }
  if (!["https:", "http:"].includes(url.protocol) || url.username || url.password || url.port) {
    return null
  }
  return Object.hasOwn(EMBED_HOSTS, url.hostname) ? EMBED_HOSTS[url.hostname] : null
}

export const Embed = Node.create({
  name: "embed",
  group: "block",
  atom: true,
  draggable: true,
  selectable: true,
  // Before Link's own paste handling, which would make the address a plain link.
  priority: 1000,

  addAttributes() {
    return {
      provider: {
        default: null,
        parseHTML: (element) => element.getAttribute("data-embed"),
        renderHTML: () => ({}),
      },
      src: {
        default: null,
        parseHTML: (element) => element.getAttribute("data-src"),
        renderHTML: () => ({}),
      },
      url: {
        default: null,
        parseHTML: (element) => element.querySelector("a[href]")?.getAttribute("href") || null,
        renderHTML: () => ({}),
      },
    }
  },

  parseHTML() {
    // Before the photo figure, which would take any <figure>.
    return [{ tag: "figure.embed", priority: 100 }]
  },

  renderHTML({ node }) {
    const { provider, src, url } = node.attrs
    const attrs = { class: "embed", "data-embed": provider || "" }
    if (src) attrs["data-src"] = src
    return ["figure", attrs, ["a", { href: url || "" }, url || ""]]
  },

  addNodeView() {
    return ({ node }) => {
      const dom = document.createElement("figure")
      dom.className = "embed"
      dom.setAttribute("data-embed", node.attrs.provider || "")
      const label = document.createElement("span")
      label.className = "embed-label"
      label.textContent = EMBED_LABELS[node.attrs.provider] || gettext("Embed")
      const address = document.createElement("span")
      address.className = "embed-address"
      address.textContent = node.attrs.url || ""
      dom.append(label, address)
      return { dom }
    }
  },

  addProseMirrorPlugins() {
    const type = this.type
    return [
      new Plugin({
        props: {
          handlePaste(view, event) {
            const text = (event.clipboardData?.getData("text/plain") || "").trim()
            const provider = embedProvider(text)
            if (!provider) return false
            const { selection } = view.state
            const { $from } = selection
            // Only on its own line: an empty paragraph at the top level of the story.
            const ownLine =
              selection.empty &&
              $from.depth === 1 &&
              $from.parent.type.name === "paragraph" &&
              $from.parent.content.size === 0
            if (!ownLine) return false
            const start = $from.before()
            const embed = type.create({ provider, url: text })
            const tr = view.state.tr.replaceWith(start, $from.after(), embed)
            // Writing goes on below the embed, never over it: into the next paragraph,
            // or a new one when the embed is last.
            const after = start + embed.nodeSize
            const next = tr.doc.resolve(after).nodeAfter
            if (!next || !next.isTextblock) {
              tr.insert(after, view.state.schema.nodes.paragraph.create())
            }
            tr.setSelection(TextSelection.create(tr.doc, after + 1))
            view.dispatch(tr.scrollIntoView())
            return true
          },
        },
      }),
    ]
  },
})
