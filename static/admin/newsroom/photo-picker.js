// "Photo from the library" in the body editor's menu bar: a dialog listing the photos this
// user may use (newest first, with thumbnails and a search), asked of the admin's photo
// library at the address the server configures (articles/admin/images.py). Choosing one
// places it at the cursor as a figure with its caption, at the library address the server
// turns into a responsive picture when the story is saved (articles/images/placement.py).
// A django-prose-editor extension: the configurable preset loads this module and makes
// the extension named in the body's config, LibraryPhoto.
import {Extension} from "django-prose-editor/editor";

const make = function (tag, properties, children) {
  const element = Object.assign(document.createElement(tag), properties || {});
  (children || []).forEach(function (child) { element.append(child); });
  return element;
};

const place = function (editor, photo) {
  const image = {type: "image", attrs: {src: photo.src, alt: photo.alt}};
  const credit = photo.credit ? "Photo: " + photo.credit : "";
  const caption = [photo.caption, credit].filter(Boolean).join(" ");
  let content = image;
  if (editor.schema.nodes.figure) {
    content = {type: "figure", content: [image]};
    if (caption && editor.schema.nodes.caption) {
      content.content.push({type: "caption", content: [{type: "text", text: caption}]});
    }
  }
  editor.chain().focus().insertContent(content).run();
};

const openLibrary = function (editor, address) {
  const title = make("h2", {id: "photo-library-title", textContent: "Photos from the library"});
  const search = make("input", {type: "search", id: "photo-library-search", name: "q"});
  const label = make("label", {htmlFor: search.id, textContent: "Search alt text, captions and credits"});
  const status = make("p", {className: "photo-library__status", role: "status"});
  const list = make("ul", {className: "photo-library__list"});
  const more = make("button", {type: "button", className: "button", textContent: "More photos", hidden: true});
  const close = make("button", {type: "button", className: "button", textContent: "Cancel"});
  const dialog = make("dialog", {className: "photo-library"}, [
    title, make("div", {className: "photo-library__search"}, [label, search]),
    status, list, make("div", {className: "photo-library__actions"}, [more, close]),
  ]);
  dialog.setAttribute("aria-labelledby", title.id);
  let page = 1;
  let asked = 0;

  const show = function (photos, append) {
    if (!append) list.replaceChildren();
    photos.forEach(function (photo) {
      const words = photo.caption || photo.credit;
      const choose = make("button", {type: "button", className: "photo-library__photo"}, [
        make("img", {src: photo.thumbnail, alt: photo.alt, width: 150, height: 100}),
        make("span", {textContent: words}),
      ]);
      choose.addEventListener("click", function () {
        dialog.close();
        place(editor, photo);
      });
      list.append(make("li", {}, [choose]));
    });
  };

  const load = function (append) {
    const query = new URLSearchParams({q: search.value.trim(), page: String(page)});
    const ticket = ++asked;
    status.textContent = "Loading…";
    fetch(address + "?" + query, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (answer) {
        if (ticket !== asked) return;  // a newer search has been sent since
        show(answer.photos, append);
        more.hidden = !answer.more;
        const count = list.children.length;
        status.textContent = count ? count + (answer.more ? "+" : "") + " photos" : "No photos found.";
      })
      .catch(function () {
        if (ticket === asked) status.textContent = "The library could not be loaded. Try again.";
      });
  };

  let typing = null;
  search.addEventListener("input", function () {
    window.clearTimeout(typing);
    typing = window.setTimeout(function () { page = 1; load(false); }, 250);
  });
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") event.preventDefault();  // never submits the story's form
  });
  more.addEventListener("click", function () { page += 1; load(true); });
  close.addEventListener("click", function () { dialog.close(); });
  dialog.addEventListener("close", function () { dialog.remove(); });
  document.body.append(dialog);
  dialog.showModal();
  load(false);
};

export const LibraryPhoto = Extension.create({
  name: "libraryPhoto",
  addOptions() {
    return {address: null};
  },
  addMenuItems({menu, buttons}) {
    const address = this.options.address;
    if (!address) return;
    menu.defineItem({
      name: "libraryPhoto",
      groups: "nodes",
      button: buttons.material("photo_library", "Photo from the library"),
      command(editor) { openLibrary(editor, address); },
      enabled: (editor) => editor.isEditable,
    });
  },
});
