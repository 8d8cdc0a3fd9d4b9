// Shows a thumbnail beside each photo offered by the lead-photo autocomplete.
"use strict";
window.addEventListener("load", function () {
  const $ = window.django && window.django.jQuery;
  if (!$ || !$.fn.select2) return;
  $("select.admin-autocomplete[data-model-name='article'][data-field-name='lead_image']").each(
    function () {
      const element = $(this);
      const withThumbnail = function (item) {
        if (!item.thumbnail) return item.text;
        const row = $("<span>");
        $("<img>", {src: item.thumbnail, alt: "", width: 60, height: 40})
          .css({objectFit: "cover", verticalAlign: "middle", marginRight: "8px"})
          .appendTo(row);
        $("<span>").text(item.text).appendTo(row);
        return row;
      };
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
        templateResult: withThumbnail,
        templateSelection: withThumbnail,
      });
    }
  );
});
