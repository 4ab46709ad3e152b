/* Arabic locale for plotly.js, written for roamwatch (MIT, like plotly.js's own locale files).
   plotly.js 4.1.1 ships an "ar" locale whose month list repeats "March" in place of "May" and
   which translates none of the toolbar; this one uses the month names of Modern Standard Arabic
   as UNESCO's Arabic pages use them (يناير … ديسمبر) and translates the toolbar. It registers
   the same way plotly.js's own locale bundles do. */
var locale = {
  moduleType: "locale",
  name: "ar",
  dictionary: {
    "Autoscale": "تحجيم تلقائي",
    "Box Select": "تحديد مستطيل",
    "Compare data on hover": "مقارنة البيانات عند التمرير",
    "Double-click on legend to isolate one trace": "انقر مرتين على وسيلة الإيضاح لعزل سلسلة واحدة",
    "Double-click to zoom back out": "انقر مرتين للتصغير",
    "Download plot as a PNG": "تنزيل الرسم البياني بصيغة PNG",
    "Download plot": "تنزيل الرسم البياني",
    "Image download succeeded": "تم تنزيل الصورة",
    "Lasso Select": "تحديد حر",
    "Pan": "تحريك",
    "Preparing image - this may take a few seconds": "جارٍ تحضير الصورة، قد يستغرق ذلك بضع ثوانٍ",
    "Produced with Plotly.js": "أُنتج باستخدام Plotly.js",
    "Reset": "إعادة ضبط",
    "Reset axes": "إعادة ضبط المحاور",
    "Reset view": "إعادة ضبط العرض",
    "Reset views": "إعادة ضبط العروض",
    "Show closest data on hover": "إظهار أقرب البيانات عند التمرير",
    "Sorry, there was a problem downloading your image!": "عذرًا، حدثت مشكلة أثناء تنزيل الصورة!",
    "Toggle Spike Lines": "إظهار خطوط الإسقاط أو إخفاؤها",
    "Toggle show closest data on hover": "إظهار أقرب البيانات عند التمرير أو إخفاؤها",
    "Zoom": "تكبير وتصغير",
    "Zoom in": "تكبير",
    "Zoom out": "تصغير",
    "close:": "الإغلاق:",
    "high:": "الأعلى:",
    "lat:": "خط العرض:",
    "lon:": "خط الطول:",
    "low:": "الأدنى:",
    "max:": "الحد الأقصى:",
    "mean:": "المتوسط:",
    "median:": "الوسيط:",
    "min:": "الحد الأدنى:",
    "new text": "نص جديد",
    "open:": "الافتتاح:",
    "trace": "سلسلة"
  },
  format: {
    days: ["الأحد", "الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت"],
    shortDays: ["الأحد", "الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت"],
    months: ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
             "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"],
    shortMonths: ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
                  "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"],
    date: "%d/%m/%Y"
  }
};
"undefined" == typeof Plotly
  ? (window.PlotlyLocales = window.PlotlyLocales || [], window.PlotlyLocales.push(locale))
  : Plotly.register(locale);
