/* French for plotly.js charts (roamwatch's own translation): toolbar titles, month and day
   names, and number formats (decimal comma, thin-space thousands). Registered before or after
   plotly.js loads; charts pick it with config.locale = "fr". */
(function () {
  var locale = {
    moduleType: "locale",
    name: "fr",
    dictionary: {
      "Autoscale": "Échelle automatique",
      "Box Select": "Sélection rectangulaire",
      "Double-click on legend to isolate one trace": "Double-cliquez sur la légende pour isoler une série",
      "Double-click to zoom back out": "Double-cliquez pour dézoomer",
      "Download plot as a PNG": "Télécharger le graphique en PNG",
      "Download plot": "Télécharger le graphique",
      "Lasso Select": "Sélection au lasso",
      "Pan": "Déplacer",
      "Produced with Plotly.js": "Réalisé avec Plotly.js",
      "Reset": "Réinitialiser",
      "Reset axes": "Réinitialiser les axes",
      "Reset view": "Réinitialiser la vue",
      "Show closest data on hover": "Afficher la donnée la plus proche au survol",
      "Compare data on hover": "Comparer les données au survol",
      "Snapshot succeeded": "Image créée",
      "Sorry, there was a problem downloading your snapshot!": "Désolé, le téléchargement de l'image a échoué.",
      "Taking snapshot - this may take a few seconds": "Création de l'image, quelques secondes…",
      "Toggle Spike Lines": "Afficher ou masquer les lignes de repère",
      "Zoom": "Zoom",
      "Zoom in": "Zoom avant",
      "Zoom out": "Zoom arrière",
      "close:": "fermeture :",
      "high:": "haut :",
      "low:": "bas :",
      "open:": "ouverture :",
      "trace": "série",
      "max:": "max. :",
      "min:": "min. :",
      "median:": "médiane :",
      "mean:": "moyenne :",
      "q1:": "q1 :",
      "q3:": "q3 :",
      "new text": "nouveau texte"
    },
    format: {
      days: ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
      shortDays: ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
      months: ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
               "septembre", "octobre", "novembre", "décembre"],
      shortMonths: ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août",
                    "sept.", "oct.", "nov.", "déc."],
      date: "%d/%m/%Y",
      decimal: ",",
      thousands: "\u202f"
    }
  };
  if (typeof window.Plotly === "undefined" || typeof window.Plotly.register !== "function") {
    window.PlotlyLocales = window.PlotlyLocales || [];
    window.PlotlyLocales.push(locale);
  } else {
    window.Plotly.register(locale);
  }
})();
