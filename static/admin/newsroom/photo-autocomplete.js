// Shows a thumbnail beside each photo offered by the lead-photo autocomplete (and the
// live quick-add form's photo box).
// Django's own autocomplete.js sets Select2 up when the page is ready; this waits
// for that, then sets it up again with a template that adds the thumbnail.
"use strict";
(function () {
  const withThumbnail = function ($, item) {
    if (!item.thumbnail) return item.text;
    const row = $("<span>");
    $("<img>", {src: item.thumbnail, alt: "", width: 60, height: 40})
      .css({objectFit: "cover", verticalAlign: "middle", marginRight: "8px"})
      .appendTo(row);
    $("<span>").text(item.text).appendTo(row);
    return row;
  };

  const enhance = function ($, element) {
    element.select2("destroy");
    element.select2({
      ajax: {
        data: function (params) {
          return {
            term: params.term,
            page: params.page,
            app_label: element.data("app-label"),
            model_name: element.data("model-name"),
            field_name: element.data("field-name"),
          };
        },
      },
      templateResult: function (item) { return withThumbnail($, item); },
      templateSelection: function (item) { return withThumbnail($, item); },
    });
    element.attr("data-thumbnails", "on");
  };

  const whenReady = function (tries) {
    const $ = window.django && window.django.jQuery;
    const selects = $ && $.fn.select2 && $(
      "select.admin-autocomplete[data-model-name='article'][data-field-name='lead_image'], " +
      "select.admin-autocomplete[data-model-name='article'][data-field-name='social_image'], " +
      "#live-quick-add select.admin-autocomplete[data-field-name='photo']"
    );
    const ready = selects && selects.length && selects.toArray().every(
      (el) => $(el).hasClass("select2-hidden-accessible")
    );
    if (ready) {
      selects.each(function () { enhance($, $(this)); });
    } else if (tries > 0) {
      window.setTimeout(function () { whenReady(tries - 1); }, 50);
    }
  };

  window.addEventListener("DOMContentLoaded", function () { whenReady(100); });
})();
