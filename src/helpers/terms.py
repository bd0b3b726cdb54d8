"""The words a client reads in place of the kit's canonical names, in English and French.

Result tables keep canonical snake_case columns (``customer_id``, ``monetary_value``): they
are the contract between notebooks and tools. What a client reads (report tables, the
Excel workbook's headers and sheet names) shows these words instead, looked up with
:func:`helpers.i18n.term`. One line per name: ``name | English | French``.
"""

from __future__ import annotations


def _table(text: str) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for line in text.strip().splitlines():
        name, en, fr = (part.strip() for part in line.split("|"))
        out[name] = (en, fr)
    return out


#: column names of result tables and workshop sheets
COLUMNS = _table(
    """
    abc_class | ABC class | Classe ABC
    abs_error_mean | Mean absolute error | Erreur absolue moyenne
    accountable | Accountable | Responsable final (A)
    action | Action | Action
    activity | Activity | Activité
    actual_mean | Actual mean | Moyenne observée
    actual_total | Actual total | Total observé
    addresses_nothing | Addresses nothing | Ne répond à rien
    advanced | Advanced | Avancées
    age_bucket | Age | Ancienneté
    all | All | Toutes
    amount | Amount | Montant
    area | Area | Domaine
    avg_deal_won | Average deal won | Affaire gagnée moyenne
    baseline | Baseline | Référence
    baseline_12m | Baseline (12 months) | Référence (12 mois)
    baseline_source | Baseline source | Source de la référence
    basis | Basis | Base
    basket | Basket | Panier
    benefit | Benefit | Bénéfice
    benefit_left_on_table | Benefit left on the table | Bénéfice laissé de côté
    best | Best | Meilleur
    best_player | Best player | Meilleur acteur
    bound | Bound | Borne
    cac | Acquisition cost | Coût d'acquisition
    cac_score | Acquisition cost score | Note coût d'acquisition
    category | Category | Catégorie
    change | Change | Évolution
    channel | Channel | Canal
    client | Client | Client
    client_score | Client score | Note du client
    cluster | Cluster | Groupe
    clv | Customer lifetime value | Valeur client
    clv_mean | Mean customer value | Valeur client moyenne
    clv_share | Share of customer value | Part de la valeur client
    clv_total | Total customer value | Valeur client totale
    comparable_months | Comparable months | Mois comparables
    competitive_intensity_score | Competitive intensity score | Note intensité concurrentielle
    competitor | Competitor | Concurrent
    competitor_max | Competitors' highest | Plus haut des concurrents
    competitor_median | Competitors' median | Médiane des concurrents
    competitor_min | Competitors' lowest | Plus bas des concurrents
    complete | Complete | Complet
    consulted | Consulted | Consulté (C)
    contacts | Contacts | Contacts
    contribution | Contribution | Contribution
    conversion | Conversion | Conversion
    conversion_rate_score | Conversion rate score | Note taux de conversion
    cost | Cost | Coût
    criteria_met | Criteria met | Critères remplis
    criteria_tracked | Criteria tracked | Critères suivis
    criterion | Criterion | Critère
    cumulative_cost | Cumulative cost | Coût cumulé
    cumulative_share | Cumulative share | Part cumulée
    current | Current | Actuel
    current_budget | Current budget | Budget actuel
    current_share | Current share | Part actuelle
    customer_id | Customer | Client
    customer_share | Share of customers | Part des clients
    customers | Customers | Clients
    cycle_median_days | Median cycle (days) | Cycle médian (jours)
    cycle_q25_days | Cycle, first quartile (days) | Cycle, premier quartile (jours)
    cycle_q75_days | Cycle, third quartile (days) | Cycle, troisième quartile (jours)
    days_median | Median days | Jours (médiane)
    days_p90 | Days, 90th percentile | Jours (90e centile)
    deadline | Deadline | Échéance
    deadline_month | Deadline month | Mois d'échéance
    delay_rank | Delay rank | Rang (délai)
    description | Description | Description
    dimension | Dimension | Dimension
    direct_cost | Direct cost | Coût direct
    direction | Direction | Sens
    discount_rate | Discount rate | Taux d'actualisation
    driven_by | Driven by | Porté par
    driver | Driver | Levier
    drivers | Drivers | Leviers
    drives | Drives | Entraîne
    drop_off | Drop-off | Abandon
    drop_off_rank | Drop-off rank | Rang (abandon)
    element | Element | Élément
    element_id | Element | Élément
    email | Email | E-mail
    evidence | Evidence | Éléments probants
    expected_purchases | Expected purchases | Achats attendus
    expected_value | Expected value | Valeur attendue
    external | External | Externe
    f_mean | Mean F score | Score F moyen
    f_score | F score | Score F
    factor | Factor | Facteur
    failed | Failed | Non remplis
    fit_score | Fit score | Note d'adéquation
    flag | Flag | Signalement
    force | Force | Force
    forecast_lower_95_12m | Forecast, low (95 %, 12 months) | Prévision basse (95 %, 12 mois)
    forecast_median_12m | Forecast, median (12 months) | Prévision médiane (12 mois)
    forecast_upper_95_12m | Forecast, high (95 %, 12 months) | Prévision haute (95 %, 12 mois)
    framework | Framework | Méthode
    frequency | Frequency | Fréquence
    frequency_cal | Frequency (calibration) | Fréquence (calibrage)
    frequency_mean | Mean frequency | Fréquence moyenne
    friction_rank | Friction rank | Rang (friction)
    from_stage | From stage | Étape de départ
    funded_greedy | Funded by the ranking rule | Financé par la règle de classement
    funded_optimal | Funded by the optimum | Financé par l'optimum
    gains_addressed | Gains addressed | Gains traités
    gains_total | Gains | Gains
    gap | Gap | Écart
    gap_best | Gap to best | Écart au meilleur
    gap_best_rel | Gap to best (relative) | Écart relatif au meilleur
    gap_median | Gap to median | Écart à la médiane
    gap_median_rel | Gap to median (relative) | Écart relatif à la médiane
    gap_to_best | Gap to best | Écart au meilleur
    grade | Grade | Note
    group | Group | Groupe
    group_source | Group source | Origine du groupe
    grouping | Grouping | Regroupement
    growth | Growth | Croissance
    growth_score | Growth score | Note croissance
    has_kpi | Has a KPI | A un indicateur
    has_link | Linked | Relié
    higher_is_better | Higher is better | Plus haut est mieux
    horizon | Horizon | Horizon
    impact | Impact | Impact
    implication | Implication | Conséquence
    implication_label | Implication | Conséquence
    implied_annual_growth | Implied annual growth | Croissance annuelle implicite
    importance | Importance | Importance
    index | Index | Indice
    indicator | Indicator | Indicateur
    indirect_cost | Indirect cost | Coût indirect
    informed | Informed | Informé (I)
    inimitable | Hard to imitate | Difficile à imiter
    initiative | Initiative | Initiative
    initiatives | Initiatives | Initiatives
    internal | Internal | Interne
    is_client | Client | Client
    item | Item | Élément
    item_id | Item | Élément
    items | Items | Éléments
    items_addressed | Items addressed | Éléments traités
    jobs_addressed | Jobs addressed | Tâches traitées
    jobs_total | Jobs | Tâches
    k | Clusters | Groupes
    key | Key | Clé
    key_result | Key result | Résultat clé
    key_results | Key results | Résultats clés
    kind | Kind | Nature
    kpi | KPI | Indicateur
    kpis | KPIs | Indicateurs
    label | Label | Libellé
    largest_competitor_share | Largest competitor's share | Part du premier concurrent
    last_actual | Last actual | Dernier réalisé
    level | Level | Niveau
    likelihood | Likelihood | Probabilité
    log_likelihood | Log-likelihood | Log-vraisemblance
    lost | Lost | Perdues
    lower_80 | Low (80 %) | Bas (80 %)
    lower_95 | Low (95 %) | Bas (95 %)
    ltv | Lifetime value | Valeur vie client
    ltv_cac | Lifetime value / acquisition cost | Valeur vie client / coût d'acquisition
    ltv_score | Lifetime value score | Note valeur vie client
    ltv_source | Lifetime value source | Source de la valeur vie client
    m_mean | Mean M score | Score M moyen
    m_score | M score | Score M
    mandatory | Mandatory | Obligatoire
    market_growth | Market growth | Croissance du marché
    market_share | Market share | Part de marché
    market_size_score | Market size score | Note taille du marché
    mean | Mean | Moyenne
    measure | Measure | Mesure
    median | Median | Médiane
    median_days | Median days | Jours (médiane)
    message | Message | Message
    met | Met | Rempli
    metric | Metric | Indicateur
    metric_type | Metric type | Type d'indicateur
    missing | Missing | Manquant
    model | Model | Modèle
    monetary | Monetary | Montant
    monetary_mean | Mean monetary value | Montant moyen
    monetary_value | Monetary value | Montant moyen par achat
    month | Month | Mois
    month_of_year | Month | Mois
    months | Months | Mois
    name | Name | Nom
    next_question | Next question | Question suivante
    not_tracked | Not tracked | Non suivis
    note | Note | Note
    objective | Objective | Objectif
    objective_id | Objective | Objectif
    on_target | On target | Dans la cible
    open | Open | Ouvertes
    open_amount | Open amount | Montant ouvert
    open_opportunities | Open opportunities | Affaires ouvertes
    opportunities | Opportunities | Affaires
    opportunity_id | Opportunity | Affaire
    option | Option | Option
    orders | Orders | Commandes
    organised | Organised | Organisée
    overall_conversion | Overall conversion | Conversion globale
    overall_rank | Overall rank | Rang global
    owner | Owner | Responsable
    p90_days | Days, 90th percentile | Jours (90e centile)
    package | Package | Lot
    packages | Packages | Lots
    pains_addressed | Pains addressed | Irritants traités
    pains_total | Pains | Irritants
    parameter | Parameter | Paramètre
    passed | Passed | Réussi
    payback_months | Payback (months) | Retour sur investissement (mois)
    persona | Persona | Persona
    personas | Personas | Personas
    perspective | Perspective | Axe
    players | Players | Acteurs
    position | Position | Position
    predicted_mean | Predicted mean | Moyenne prédite
    predicted_total | Predicted total | Total prédit
    previous_comparable | Previous year, same months | Année précédente, mêmes mois
    priority | Priority | Priorité
    prob_alive | Probability still active | Probabilité d'être encore actif
    progress | Progress | Avancement
    quadrant | Quadrant | Quadrant
    quarter | Quarter | Trimestre
    question | Question | Question
    quick_win | Quick win | Gain rapide
    r_mean | Mean R score | Score R moyen
    r_score | R score | Score R
    rank | Rank | Rang
    rare | Rare | Rare
    ratio | Ratio | Ratio
    reached | Reached | Atteinte
    realism | Realism | Réalisme
    reason | Reason | Motif
    recency | Recency | Récence
    recency_days | Days since last purchase | Jours depuis le dernier achat
    recency_days_mean | Mean days since last purchase | Jours moyens depuis le dernier achat
    recommended_budget | Recommended budget | Budget recommandé
    recommended_share | Recommended share | Part recommandée
    region | Region | Région
    relative_share | Relative market share | Part de marché relative
    resource | Resource | Ressource
    responsible | Responsible | Réalisateur (R)
    revenue | Revenue | Chiffre d'affaires
    revenue_comparable | Revenue, comparable months | Chiffre d'affaires, mois comparables
    revenue_share | Share of revenue | Part du chiffre d'affaires
    rfm_score | RFM score | Score RFM
    rfm_segment | RFM segment | Segment RFM
    role | Role | Rôle
    rule | Rule | Règle
    sales_cycle_days_score | Sales cycle score | Note cycle de vente
    score | Score | Note
    score_bant | BANT score | Note BANT
    score_gpct | GPCT score | Note GPCT
    score_meddic | MEDDIC score | Note MEDDIC
    scored | Scored | Évalués
    seasonal | Seasonal index | Indice saisonnier
    segment | Segment | Segment
    series | Series | Série
    share | Share | Part
    share_met | Share met | Part remplie
    silhouette | Silhouette | Silhouette
    slipped | Slipped | En retard
    smart | SMART | SMART
    source | Source | Source
    stage | Stage | Étape
    stall_threshold_days | Stall threshold (days) | Seuil d'enlisement (jours)
    stalled | Stalled | Enlisées
    start | Start | Début
    status | Status | Statut
    status_text | Status | Statut
    step | Step | Étape
    strategic_impact | Strategic impact | Impact stratégique
    T | Customer age | Ancienneté du client
    target | Target | Cible
    target_12m | Target (12 months) | Cible (12 mois)
    target_basis | Target basis | Base de la cible
    tenure_days | Tenure (days) | Ancienneté (jours)
    to_stage | To stage | Étape d'arrivée
    top_driver | Main driver | Principal levier
    tracked | Tracked | Suivis
    traits | Traits | Traits
    type | Type | Type
    unit | Unit | Unité
    unused_budget | Unused budget | Budget non utilisé
    upper_80 | High (80 %) | Haut (80 %)
    upper_95 | High (95 %) | Haut (95 %)
    urgency | Urgency | Urgence
    valuable | Valuable | Créatrice de valeur
    value | Value | Valeur
    velocity_note | Velocity note | Remarque sur la vélocité
    velocity_per_day | Pipeline velocity per day | Vélocité du pipeline par jour
    weight | Weight | Poids
    weight_addressed | Weight addressed | Poids traité
    weight_total | Total weight | Poids total
    weight_used | Weight used | Poids retenu
    weighted_amount | Weighted amount | Montant pondéré
    win_probability | Win probability | Probabilité de gain
    win_rate | Win rate | Taux de gain
    won | Won | Gagnées
    worst_kpi | Weakest indicator | Indicateur le plus faible
    x | x | x
    y | y | y
    year | Year | Année
    """
)

#: canonical values shown in table cells (codes of categories, metrics and rules)
VALUES = _table(
    """
    about_to_sleep | About to sleep | Sur le point de s'endormir
    accountable_load | Accountable load | Charge des responsables finaux
    average_order_value | Average order value | Panier moyen
    avg_deal_won | Average deal won | Affaire gagnée moyenne
    buyer_power | Buyer power | Pouvoir des clients
    cant_lose_them | Can't lose them | À ne pas perdre
    cash_cow | Cash cow | Vache à lait
    champions | Champions | Champions
    churn_rate | Churn rate | Taux d'attrition
    competitive_disadvantage | Competitive disadvantage | Désavantage concurrentiel
    competitive_intensity | Competitive intensity | Intensité concurrentielle
    competitive_parity | Competitive parity | Parité concurrentielle
    conversion_lead | Conversion from lead | Conversion depuis piste
    conversion_negotiation | Conversion from negotiation | Conversion depuis négociation
    conversion_proposal | Conversion from proposal | Conversion depuis proposition
    conversion_qualified | Conversion from qualified | Conversion depuis qualifiée
    conversion_rate | Conversion rate | Taux de conversion
    customers_at_risk | Customers at risk | Clients à risque
    customers_positive | Customers with positive revenue | Clients au chiffre d'affaires positif
    cycle_median_days | Median sales cycle (days) | Cycle de vente médian (jours)
    dog | Dog | Poids mort
    gain_creator | Gain creator | Créateur de gains
    gross_margin_rate | Gross margin rate | Taux de marge brute
    has_responsible | Has a responsible | A un réalisateur
    herfindahl_normalised | Herfindahl index (normalised) | Indice de Herfindahl (normalisé)
    hibernating | Hibernating | En hibernation
    loyal | Loyal | Fidèles
    market_size | Market size | Taille du marché
    median_age_days | Median age (days) | Âge médian (jours)
    need_attention | Need attention | À surveiller
    new_customers | New customers | Nouveaux clients
    new_entrants | Threat of new entrants | Menace des nouveaux entrants
    not_assessed | Not assessed | Non évalué
    one_accountable | One accountable | Un seul responsable final
    open_amount | Open amount | Montant ouvert
    open_opportunities | Open opportunities | Affaires ouvertes
    pain_reliever | Pain reliever | Réducteur d'irritants
    potential_loyalists | Potential loyalists | Fidèles en devenir
    promising_new_customers | Promising new customers | Nouveaux clients prometteurs
    question_mark | Question mark | Dilemme
    repeat_rate | Repeat rate | Taux de réachat
    retention_rate | Retention rate | Taux de rétention
    revenue_per_customer | Revenue per customer | Chiffre d'affaires par client
    rfm_segment | RFM segment | Segment RFM
    rivalry | Rivalry among competitors | Rivalité entre concurrents
    sales_cycle_days | Sales cycle (days) | Cycle de vente (jours)
    separate_r_and_a | Responsible and accountable separate | Réalisateur et responsable distincts
    sleeping_customers | Sleeping customers | Clients endormis
    slipped_amount | Slipped amount | Montant en retard
    slipped_opportunities | Slipped opportunities | Affaires en retard
    slipped_share | Slipped share | Part en retard
    stalled_amount | Stalled amount | Montant enlisé
    stalled_opportunities | Stalled opportunities | Affaires enlisées
    stalled_share | Stalled share | Part enlisée
    star | Star | Vedette
    substitutes | Threat of substitutes | Menace des substituts
    supplier_power | Supplier power | Pouvoir des fournisseurs
    sustained_advantage | Sustained advantage | Avantage durable
    temporary_advantage | Temporary advantage | Avantage temporaire
    time_bound | Time-bound | Temporellement défini
    top_10pct_share | Share of the top 10 % | Part des 10 % premiers
    top_20pct_share | Share of the top 20 % | Part des 20 % premiers
    unused_advantage | Unused advantage | Avantage inexploité
    velocity_per_day | Pipeline velocity per day | Vélocité du pipeline par jour
    weighted_pipeline | Weighted pipeline | Pipeline pondéré
    win_rate | Win rate | Taux de gain
    """
)

#: single-word codes the kit writes in its tables (quadrants, horizons, statuses...)
VALUES.update(
    _table(
        """
        04_customers | customer chapter (04) | chapitre clients (04)
        12 months to deadline | 12 months to deadline | 12 mois avant l'échéance
        sheet | workshop sheet | feuille d'atelier
        simple formula | simple formula | formule simple
        none | none | aucune
        acquisition | acquisition | acquisition
        activation | activation | activation
        all | all | tous
        amber | amber | orange
        attainable | attainable | atteignable
        authority | authority | autorité
        awareness | awareness | notoriété
        budget | budget | budget
        channel | channel | canal
        consideration | consideration | considération
        conservative | conservative | prudente
        count | count | nombre
        coverage | coverage | couverture
        currency | currency | devise
        customer | customer | client
        customers | customers | clients
        data | data | données
        days | days | jours
        decision | decision | décision
        delegate or simplify | delegate or simplify | déléguer ou simplifier
        do now | do now | à faire maintenant
        drop | drop | abandonner
        economic | economic | économique
        environmental | environmental | environnemental
        event | event | événement
        financial | financial | financière
        full year | full year | année complète
        gain | gain | gain
        greedy | ranking rule | règle de classement
        green | green | vert
        growth | growth | croissance
        high | high | élevé
        in line | in line | dans la tendance
        inbound | inbound | entrant
        internal | internal | interne
        job | job | tâche
        kmeans | k-means | k-moyennes
        lagging | lagging | retardé
        lags | lags | en retard
        lead | lead | piste
        leading | leading | avancé
        leads | leads | pistes
        learning | learning | apprentissage
        legal | legal | juridique
        lost | lost | perdue
        low | low | faible
        measurable | measurable | mesurable
        medium | medium | moyen
        monthly | monthly | mensuelle
        need | need | besoin
        negotiation | negotiation | négociation
        no differentiation | no differentiation | pas de différenciation
        number | number | nombre
        opportunity | opportunity | opportunité
        optimal | optimum | optimum
        orders | orders | commandes
        outbound | outbound | sortant
        overall | overall | global
        owner | owner | responsable
        pain | pain | irritant
        partner | partner | partenaire
        plan | plan | plan
        points | points | points
        political | political | politique
        price | price | prix
        product | product | produit
        proposal | proposal | proposition
        prospecting | prospecting | prospection
        purchase | purchase | achat
        qualified | qualified | qualifiée
        quarterly | quarterly | trimestrielle
        realistic | realistic | réaliste
        red | red | rouge
        referral | referral | recommandation
        retention | retention | fidélisation
        revenue | revenue | chiffre d'affaires
        schedule | schedule | planifier
        segment | segment | segment
        share | share | part
        short-term | short-term | court terme
        social | social | social
        source | source | source
        specific | specific | spécifique
        strength | strength | force
        stretch | stretch | ambitieuse
        structural | structural | structurel
        target | target | cible
        technological | technological | technologique
        threat | threat | menace
        timeline | timeline | calendrier
        total | total | total
        unrealistic | unrealistic | irréaliste
        used | used | utilisé
        volume | volume | volume
        weakness | weakness | faiblesse
        weekly | weekly | hebdomadaire
        won | won | gagnée
        workshop | workshop | atelier
        """
    )
)

#: the sales stages of the CRM pipeline, used in ``lost_at_<stage>`` and similar names
STAGES = _table(
    """
    lead | lead | piste
    qualified | qualified | qualifiée
    proposal | proposal | proposition
    negotiation | negotiation | négociation
    won | won | gagnée
    lost | lost | perdue
    """
)

#: patterns of column names built from a value: ``share_channel_web``, ``lost_at_proposal``
PATTERNS = (
    (r"^class_(?P<x>[A-Z])_customers$", ("Class {x} customers", "Clients de classe {x}")),
    (
        r"^class_(?P<x>[A-Z])_revenue_share$",
        ("Class {x} share of revenue", "Part du chiffre d'affaires de la classe {x}"),
    ),
    (
        r"^customer_share_(?P<x>[A-Z])$",
        ("Share of customers in class {x}", "Part des clients en classe {x}"),
    ),
    (
        r"^top_(?P<n>\d+)pct_share$",
        ("Share of the top {n} %", "Part des {n} % premiers"),
    ),
    (r"^share_(channel|region|category)_(?P<rest>.+)$", ("Share: {rest}", "Part : {rest}")),
    (r"^lost_at_(?P<stage>[a-z]+)$", ("Lost at {stage}", "Perdues à l'étape {stage}")),
    (r"^conversion_(?P<stage>[a-z]+)$", ("Conversion from {stage}", "Conversion depuis {stage}")),
)

#: result tables, as the Excel workbook names their sheets (at most 28 characters)
TABLES = _table(
    """
    allocation | Allocation | Allocation
    bcg | BCG matrix | Matrice BCG
    benchmark_gaps | Benchmark gaps | Écarts au benchmark
    concentration | Concentration | Concentration
    concentration_summary | Concentration summary | Synthèse concentration
    eisenhower | Eisenhower matrix | Matrice Eisenhower
    forecast | Forecast | Prévision
    funnel | Funnel | Entonnoir
    growth_summary | Growth | Croissance
    improvement_priorities | Improvement priorities | Priorités d'amélioration
    kpis | KPIs | Indicateurs
    ltv_by_customer | LTV by customer | Valeur par client
    ltv_by_segment | LTV by segment | Valeur par segment
    ltv_params | LTV model | Modèle de valeur
    monthly_revenue | Monthly revenue | CA mensuel
    okr | OKR | OKR
    personas | Personas | Personas
    pestel | PESTEL | PESTEL
    pipeline_metrics | Pipeline metrics | Indicateurs du pipeline
    porter | Five forces | Cinq forces
    qualification | Qualification | Qualification
    raci_check | RACI check | Contrôle RACI
    revenue_mix | Revenue mix | Mix du CA
    rfm | RFM | RFM
    rfm_segments | RFM segments | Segments RFM
    scorecard | Scorecard | Tableau de bord
    seasonality | Seasonality | Saisonnalité
    smart_check | SMART check | Contrôle SMART
    strategic_groups | Strategic groups | Groupes stratégiques
    strategy_canvas | Strategy canvas | Canevas stratégique
    swot | SWOT | SWOT
    tows | TOWS | TOWS
    tows_gaps | TOWS gaps | Lacunes TOWS
    vp_fit | Value proposition fit | Adéquation de l'offre
    vp_gaps | Value proposition gaps | Lacunes de l'offre
    vrio | VRIO | VRIO
    zbb | Zero-based budget | Budget base zéro
    """
)

#: whole English phrases the notebooks pass to the kit (skipped sections and what they
#: need), with their French text
PHRASES: dict[str, str] = {
    "Revenue mix": "Mix du chiffre d'affaires",
    "a channel, region or category column in the transactions (map it in "
    "data.transactions.columns)": "une colonne canal, région ou catégorie dans les "
    "transactions (à faire correspondre dans data.transactions.columns)",
    "SWOT": "SWOT",
    "the swot sheet of the workshop workbook (data.swot)": "la feuille swot du classeur "
    "d'atelier (data.swot)",
    "TOWS options": "Options TOWS",
    "the swot and tows sheets of the workshop workbook": "les feuilles swot et tows du "
    "classeur d'atelier",
    "VRIO audit": "Audit VRIO",
    "the vrio sheet of the workshop workbook (data.vrio)": "la feuille vrio du classeur "
    "d'atelier (data.vrio)",
    "PESTEL": "PESTEL",
    "the pestel sheet of the workshop workbook (data.pestel)": "la feuille pestel du "
    "classeur d'atelier (data.pestel)",
    "Strategic groups": "Groupes stratégiques",
    "a competitors table (data.competitors)": "une table des concurrents (data.competitors)",
    "BCG matrix": "Matrice BCG",
    "a business_units table (data.business_units)": "une table des activités (data.business_units)",
    "Porter's five forces": "Cinq forces de Porter",
    "the porter sheet of the workshop workbook": "la feuille porter du classeur d'atelier",
    "Benchmarking": "Benchmark",
    "a benchmarks table (data.benchmarks)": "une table de benchmark (data.benchmarks)",
    "Target realism": "Réalisme des cibles",
    "SMART check": "Contrôle SMART",
    "the objectives workshop sheet (data.objectives in engagement.yaml)": "la feuille "
    "d'atelier objectives (data.objectives dans engagement.yaml)",
    "OKRs": "OKR",
    "the okr workshop sheet (data.okr in engagement.yaml)": "la feuille d'atelier okr "
    "(data.okr dans engagement.yaml)",
    "AARRR KPIs": "Indicateurs AARRR",
    "the kpis workshop sheet (data.kpis in engagement.yaml)": "la feuille d'atelier kpis "
    "(data.kpis dans engagement.yaml)",
    "Balanced scorecard": "Tableau de bord prospectif",
    "the scorecard workshop sheet (data.scorecard in engagement.yaml)": "la feuille "
    "d'atelier scorecard (data.scorecard dans engagement.yaml)",
    "Customer journey": "Parcours client",
    "journey events (data.journey in engagement.yaml)": "les événements du parcours "
    "(data.journey dans engagement.yaml)",
    "Holdout check": "Contrôle sur période réservée",
    "ltv.holdout_months of at least 1": "ltv.holdout_months d'au moins 1",
    "Value proposition canvas": "Canevas de la proposition de valeur",
    "the vp_profile and vp_offer workshop sheets (data.vp_profile, data.vp_offer)": "les "
    "feuilles d'atelier vp_profile et vp_offer (data.vp_profile, data.vp_offer)",
    "Strategy canvas": "Canevas stratégique",
    "the strategy_canvas workshop sheet (data.strategy_canvas)": "la feuille d'atelier "
    "strategy_canvas (data.strategy_canvas)",
    "Positioning statement": "Énoncé de positionnement",
    "the positioning workshop sheet (data.positioning)": "la feuille d'atelier positioning "
    "(data.positioning)",
    "Attractiveness and budget split": "Attractivité et répartition du budget",
    "the attractiveness workshop sheet (data.attractiveness in engagement.yaml)": "la "
    "feuille d'atelier attractiveness (data.attractiveness dans engagement.yaml)",
    "Eisenhower matrix and zero-based budgeting": "Matrice d'Eisenhower et budget base zéro",
    "the initiatives workshop sheet (data.initiatives in engagement.yaml)": "la feuille "
    "d'atelier initiatives (data.initiatives dans engagement.yaml)",
    "RACI": "RACI",
    "the raci workshop sheet (data.raci in engagement.yaml)": "la feuille d'atelier raci "
    "(data.raci dans engagement.yaml)",
    "Sales pipeline": "Pipeline commercial",
    "a CRM export of opportunities with their stage history (data.opportunities in "
    "engagement.yaml)": "un export CRM des affaires avec l'historique de leurs étapes "
    "(data.opportunities dans engagement.yaml)",
}


def _kinds(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.strip().splitlines():
        kind, names = (part.strip() for part in line.split(":"))
        out.update(dict.fromkeys(names.split(), kind))
    return out


#: how the numbers of a result column read in the client's tables (one line per kind):
#: ``money`` in the engagement's currency, ``percent`` a share (0.186) read as ``18.6%``,
#: ``count`` whole numbers (a mean of counts takes one decimal), ``ratio`` a score or a
#: ratio (two decimals at most). Names here win over :data:`KIND_PATTERNS`; a column in
#: neither reads with the significant digits its size needs (``value``, ``gap``, ``target``
#: hold money or counts depending on the row).
KINDS = _kinds(
    """
    money: amount avg_deal_won basket benefit benefit_left_on_table cac change clv clv_mean
    money: clv_total cost cumulative_cost current_budget direct_cost expected_value
    money: indirect_cost ltv monetary monetary_mean monetary_value open_amount
    money: previous_comparable recommended_budget revenue revenue_comparable seasonal
    money: unused_budget velocity_per_day weighted_amount
    percent: conversion current_share discount_rate drop_off gap_best_rel gap_median_rel
    percent: growth implied_annual_growth market_growth overall_conversion prob_alive progress
    percent: recommended_share share share_met win_probability win_rate
    count: actual_total advanced comparable_months contacts criteria_met criteria_tracked
    count: customers days_median days_p90 drivers frequency frequency_cal frequency_mean
    count: gains_addressed gains_total initiatives items_addressed jobs_addressed jobs_total
    count: key_results kpis lost median_days months open open_opportunities opportunities
    count: orders p90_days pains_addressed pains_total passed payback_months players
    count: predicted_total reached recency_days recency_days_mean slipped stalled
    count: stall_threshold_days tenure_days won met
    ratio: abs_error_mean actual_mean client_score competitor_max competitor_median
    ratio: competitor_min contribution expected_purchases f_mean fit_score gap_to_best impact
    ratio: importance likelihood log_likelihood ltv_cac m_mean predicted_mean r_mean ratio
    ratio: relative_share score silhouette strategic_impact urgency weight weight_addressed
    ratio: weight_total weight_used x y
    """
)

#: kinds of the columns not named in :data:`KINDS`, by the shape of their name
KIND_PATTERNS = (
    (r"(^|_)share(_|$)|^top_\d+pct_share$", "percent"),
    (r"(^|_)rate$|^conversion_[a-z]+$", "percent"),
    (r"^class_[A-Z]_customers$|^lost_at_[a-z]+$|_days$", "count"),
    (r"_score$", "ratio"),
)
