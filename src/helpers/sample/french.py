# ruff: noqa: E501  (the text table reads one English | French pair per line)
"""The sample client's workshop text in French, for engagements whose language is ``fr``.

The workshop sheets stand for the client's own words, so a French engagement gets them in
French. Both languages come from the one table below of ``English | French`` pairs and
only the text columns of :data:`TEXT_COLUMNS` are replaced: rows, ids, codes, numbers and
dates are the same in both languages, and so are the analysis' results.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

#: the free-text columns of each workshop sheet (codes, ids and metrics stay as they are)
TEXT_COLUMNS: dict[str, tuple[str, ...]] = {
    "benchmarks": ("kpi",),
    "swot": ("item", "evidence"),
    "tows": ("option",),
    "pestel": ("factor",),
    "vrio": ("resource", "category"),
    "porter": ("driver",),
    "objectives": ("objective", "owner", "pillar"),
    "okr": ("objective", "key_result"),
    "kpis": ("kpi",),
    "scorecard": ("objective", "kpi"),
    "vp_profile": ("persona", "item"),
    "vp_offer": ("element",),
    "positioning": ("text",),
    "strategy_canvas": ("factor",),
    "initiatives": ("initiative", "package", "owner"),
    "raci": ("activity", "role"),
}

_PAIRS = """
    Field sales force trusted by key accounts | Force de vente terrain reconnue par les grands comptes
    Broad catalogue from consumables to furniture and IT | Large catalogue, des consommables au mobilier et à l'informatique
    Next-day delivery from six regional warehouses | Livraison en 24 h depuis six entrepôts régionaux
    In-house installation and maintenance technicians | Techniciens d'installation et de maintenance internes
    Durand brand known by office managers for 60 years | Marque Durand connue des office managers depuis 60 ans
    Solid balance sheet, low debt | Bilan solide, endettement faible
    Exclusive contracts with two hygiene product makers | Contrats exclusifs avec deux fabricants de produits d'hygiène
    Revenue concentrated on a minority of customers | Chiffre d'affaires concentré sur une minorité de clients
    CRM used by half of the sales reps only | CRM utilisé par la moitié des commerciaux seulement
    Web shop with outdated ergonomics | Boutique en ligne à l'ergonomie datée
    Pricing decided deal by deal, heavy discounts | Prix décidés affaire par affaire, remises élevées
    Slow quotes on office fit-out projects | Devis lents sur les projets d'aménagement de bureaux
    Little marketing automation | Peu d'automatisation marketing
    Ageing sales team, few juniors | Équipe commerciale vieillissante, peu de juniors
    Weak presence in the southern regions | Faible présence dans les régions du Sud
    Stricter hygiene and safety standards at work | Normes d'hygiène et de sécurité au travail plus strictes
    Hybrid work: companies equip employees' home offices | Travail hybride : les entreprises équipent le bureau à domicile des salariés
    Managed services: printers, IT and maintenance by subscription | Services gérés : impression, informatique et maintenance par abonnement
    Public procurement reopening for schools and hospitals | Réouverture des marchés publics des écoles et des hôpitaux
    Consolidation of independent regional dealers | Consolidation des distributeurs régionaux indépendants
    Demand for refurbished IT and furniture | Demande d'informatique et de mobilier reconditionnés
    Buyers expect self-service ordering online | Les acheteurs attendent la commande en ligne en libre-service
    Online marketplaces undercut prices | Les places de marché en ligne cassent les prix
    Manufacturers selling direct to key accounts | Fabricants vendant en direct aux grands comptes
    Shrinking office space reduces furniture demand | La réduction des surfaces de bureaux fait baisser la demande de mobilier
    Stricter rules on packaging and e-waste | Règles plus strictes sur les emballages et les déchets électroniques
    Rising freight and energy costs | Hausse des coûts de transport et d'énergie
    Shortage of qualified technicians | Pénurie de techniciens qualifiés
    Buying groups squeezing margins | Centrales d'achat qui compriment les marges
    Key-account retention 94 % over three years | Fidélisation des grands comptes de 94 % sur trois ans
    12 000 references in six families | 12 000 références en six familles
    96 % of orders delivered next day | 96 % des commandes livrées le lendemain
    Services margin 55 % | Marge sur les services de 55 %
    Aided awareness 64 % among office managers (2025 survey) | Notoriété assistée de 64 % auprès des office managers (enquête 2025)
    Net debt / EBITDA 0.8 | Dette nette / EBITDA 0,8
    Contracts renewed until 2029 | Contrats renouvelés jusqu'en 2029
    About a quarter of the customers make 80 % of revenue | Environ un quart des clients font 80 % du chiffre d'affaires
    48 % of opportunities logged in the CRM | 48 % des opportunités saisies dans le CRM
    Conversion 0.9 % vs 2.1 % for online pure players | Conversion de 0,9 % contre 2,1 % pour les pure players en ligne
    Average discount 14 % vs 9 % benchmark | Remise moyenne de 14 % contre 9 % pour le marché
    Median quote lead time 9 days | Délai médian de devis de 9 jours
    No lead scoring, newsletters sent by hand | Pas de notation des pistes, lettres d'information envoyées à la main
    Average age 52, 6 retirements within 3 years | Âge moyen 52 ans, 6 départs en retraite d'ici 3 ans
    Market share 4 % in Occitanie vs 11 % national | Part de marché de 4 % en Occitanie contre 11 % au national
    New workplace safety decree effective 2026 | Nouveau décret sur la sécurité au travail en vigueur en 2026
    +18 % home-office budgets | Budgets d'équipement du télétravail en hausse de 18 %
    Device-as-a-service 25 % of new IT contracts | Location d'équipements : 25 % des nouveaux contrats informatiques
    Public buying budget +6 % | Budgets d'achat public en hausse de 6 %
    Three regional dealers for sale | Trois distributeurs régionaux à vendre
    Refurbished segment +25 % a year | Segment du reconditionné en hausse de 25 % par an
    64 % of buyers research online first | 64 % des acheteurs se renseignent d'abord en ligne
    Price gap -12 % on the top 200 references | Écart de prix de −12 % sur les 200 premières références
    Two IT makers opened direct key-account teams | Deux fabricants informatiques ont ouvert des équipes grands comptes en direct
    Office space per employee -15 % since 2020 | Surface de bureau par salarié en baisse de 15 % depuis 2020
    Extended producer responsibility from 2027 | Responsabilité élargie du producteur à partir de 2027
    Freight cost per order +11 % | Coût de transport par commande en hausse de 11 %
    Time to hire a technician 5 months | Cinq mois pour recruter un technicien
    Buying groups hold 35 % of the SME market | Les centrales d'achat détiennent 35 % du marché des PME
    Bundle hygiene and safety compliance packs for workplaces | Proposer des packs de conformité hygiène et sécurité pour les lieux de travail
    Launch managed-service subscriptions for printers, IT and maintenance | Lancer des abonnements de services gérés pour l'impression, l'informatique et la maintenance
    Build a tender cell for public procurement | Créer une cellule appels d'offres pour les marchés publics
    Acquire a regional dealer in the south | Racheter un distributeur régional dans le Sud
    Defend key accounts with multi-year service agreements | Défendre les grands comptes par des contrats de service pluriannuels
    Make delivery and service visible against price-only marketplaces | Faire valoir la livraison et le service face aux places de marché centrées sur le prix
    Offer take-back and recycling of old equipment | Proposer la reprise et le recyclage des anciens équipements
    Train junior technicians in an in-house academy | Former des techniciens juniors dans une école interne
    Rebuild the web shop with self-service ordering and account prices | Refondre la boutique en ligne avec commande en libre-service et prix par compte
    Roll out CRM and lead scoring to reach home-office equipment buyers | Déployer le CRM et la notation des pistes pour toucher les acheteurs d'équipement du télétravail
    Introduce price corridors and discount governance | Instaurer des couloirs de prix et une gouvernance des remises
    Diversify the customer base to reduce dependence on large accounts | Diversifier la clientèle pour réduire la dépendance aux grands comptes
    Standardise fit-out quotes with configurable templates | Standardiser les devis d'aménagement avec des modèles configurables
    Public support for SME digitalisation | Aides publiques à la numérisation des PME
    Public procurement budgets under pressure | Budgets des marchés publics sous pression
    Business investment slowdown | Ralentissement de l'investissement des entreprises
    Interest rates raising equipment leasing costs | Taux d'intérêt qui renchérissent la location d'équipements
    Record number of new small businesses | Nombre record de créations de petites entreprises
    Hybrid work reduces office space | Le travail hybride réduit les surfaces de bureaux
    Wellbeing at work drives ergonomic furniture | Le bien-être au travail porte le mobilier ergonomique
    Buyers research and order online first | Les acheteurs se renseignent et commandent d'abord en ligne
    Device-as-a-service and managed IT | Location d'équipements et informatique gérée
    AI-driven price comparison by buyers | Comparaison des prix par les acheteurs à l'aide de l'IA
    Circular economy: refurbished equipment | Économie circulaire : équipements reconditionnés
    Extended producer responsibility for furniture and e-waste | Responsabilité élargie du producteur pour le mobilier et les déchets électroniques
    Stricter workplace hygiene and safety rules | Règles d'hygiène et de sécurité au travail plus strictes
    B2B e-invoicing mandate | Obligation de facturation électronique entre entreprises
    Late-payment law reducing customer credit | Loi sur les délais de paiement qui réduit le crédit client
    Field sales relationships with key accounts | Relations de la force de vente terrain avec les grands comptes
    Key-account management | Gestion des grands comptes
    Telesales team | Équipe de vente par téléphone
    CRM and sales tools | CRM et outils de vente
    Web shop | Boutique en ligne
    Quote configurator | Configurateur de devis
    Balance sheet and credit capacity | Bilan et capacité de crédit
    Durand brand | Marque Durand
    60 years of customer purchase history | 60 ans d'historique d'achats clients
    Exclusive hygiene supplier contracts | Contrats exclusifs avec des fournisseurs d'hygiène
    Regional warehouses and next-day delivery | Entrepôts régionaux et livraison en 24 h
    Order-to-delivery process | Processus de la commande à la livraison
    Pricing process | Processus de fixation des prix
    sales team | équipe commerciale
    tools/CRM | outils/CRM
    finances | finances
    brand and customer data | marque et données clients
    processes | processus
    Number of comparable distributors | Nombre de distributeurs comparables
    Slow growth of the office supplies market | Croissance lente du marché des fournitures de bureau
    Price transparency online | Transparence des prix en ligne
    Capital needed for stock and warehouses | Capitaux nécessaires pour le stock et les entrepôts
    Online marketplaces lowering entry barriers | Places de marché en ligne qui abaissent les barrières à l'entrée
    Access to key-account frame contracts | Accès aux contrats-cadres des grands comptes
    Concentration of IT equipment makers | Concentration des fabricants de matériel informatique
    Makers selling direct to key accounts | Fabricants vendant en direct aux grands comptes
    Many alternative suppliers of consumables | Nombreux fournisseurs alternatifs de consommables
    Buying groups and procurement platforms | Centrales et plateformes d'achat
    Key accounts running national tenders | Grands comptes qui lancent des appels d'offres nationaux
    Low switching costs for small businesses | Faibles coûts de changement pour les petites entreprises
    Device-as-a-service offers from makers | Offres de location d'équipements des fabricants
    Refurbished equipment | Équipements reconditionnés
    Paperless offices reducing consumables | Bureaux sans papier qui réduisent les consommables
    Grow revenue by {n} % despite online price pressure | Faire croître le chiffre d'affaires de {n} % malgré la pression des prix en ligne
    Grow revenue by {n} % with key accounts and the web shop | Faire croître le chiffre d'affaires de {n} % avec les grands comptes et la boutique en ligne
    Grow revenue by {n} % by buying regional office-supply dealers | Faire croître le chiffre d'affaires de {n} % en rachetant des distributeurs régionaux
    Raise orders by {n} % with self-service web ordering | Augmenter les commandes de {n} % grâce à la commande en ligne en libre-service
    Raise the retention rate of key accounts from 62 % to 70 % | Porter le taux de fidélisation des grands comptes de 62 % à 70 %
    Be better | Faire mieux
    Improve the customer experience in our showrooms | Améliorer l'expérience client dans nos salles d'exposition
    Lift the average order value with ergonomic furniture ranges | Augmenter le panier moyen avec des gammes de mobilier ergonomique
    Cut the median quote lead time from 9 to 7 days | Réduire le délai médian de devis de 9 à 7 jours
    Raise the share of revenue from services to 12 % | Porter la part des services à 12 % du chiffre d'affaires
    Sales director | Directeur commercial
    CEO | Directeur général
    E-commerce manager | Responsable e-commerce
    Key-account manager | Responsable grands comptes
    Marketing director | Directrice marketing
    Retail manager | Responsable des magasins
    Category manager | Chef de produit
    Services manager | Responsable des services
    Core business | Cœur de métier
    Growth | Croissance
    External growth | Croissance externe
    Digital | Numérique
    Loyalty | Fidélisation
    Customer experience | Expérience client
    Operational excellence | Excellence opérationnelle
    Services | Services
    Make key accounts grow with us | Faire grandir les grands comptes avec nous
    Turn the web shop into a growth channel | Faire de la boutique en ligne un canal de croissance
    Win back lapsed small businesses | Reconquérir les petites entreprises perdues
    Build a modern sales team | Bâtir une équipe commerciale moderne
    Launch a printer and IT maintenance offer | Lancer une offre de maintenance de l'impression et de l'informatique
    Key-account revenue (k€) | Chiffre d'affaires grands comptes (k€)
    Key accounts with a joint account plan | Grands comptes dotés d'un plan de compte commun
    Key-account churn rate (%) | Taux d'attrition des grands comptes (%)
    Quarterly business reviews held | Revues d'affaires trimestrielles tenues
    Web conversion rate (%) | Taux de conversion web (%)
    Cart abandonment rate (%) | Taux d'abandon de panier (%)
    Share of orders placed online (%) | Part des commandes passées en ligne (%)
    Lapsed customers reactivated | Clients perdus réactivés
    Win-back campaign response rate (%) | Taux de réponse à la campagne de reconquête (%)
    Reps trained in value selling | Commerciaux formés à la vente de valeur
    Opportunities logged in the CRM (%) | Opportunités saisies dans le CRM (%)
    Junior reps hired | Commerciaux juniors recrutés
    Median quote lead time (days) | Délai médian de devis (jours)
    Average discount granted (%) | Remise moyenne accordée (%)
    Sales playbook pages written | Pages du guide de vente rédigées
    Leads per month | Pistes par mois
    New customers (12 months) | Nouveaux clients (12 mois)
    Lead-to-customer conversion | Conversion des pistes en clients
    Days from first contact to first order | Jours du premier contact à la première commande
    Customers with a second order | Clients ayant passé une deuxième commande
    Customer retention rate | Taux de fidélisation des clients
    Customer churn rate | Taux d'attrition des clients
    Net Promoter Score | Net Promoter Score
    Average Google review rating | Note moyenne des avis Google
    Revenue (12 months) | Chiffre d'affaires (12 mois)
    Average order value | Panier moyen
    Revenue per customer | Chiffre d'affaires par client
    Gross margin rate | Taux de marge brute
    Grow revenue profitably | Faire croître le chiffre d'affaires de façon rentable
    Protect the gross margin | Protéger la marge brute
    Keep and grow key accounts | Garder et développer les grands comptes
    Win small businesses online | Gagner les petites entreprises en ligne
    Be the supplier office managers recommend | Être le fournisseur que recommandent les office managers
    Quote complex projects within 5 days | Chiffrer les projets complexes en 5 jours
    Run a self-service B2B web shop | Exploiter une boutique en ligne B2B en libre-service
    Manage key accounts with joint plans | Piloter les grands comptes avec des plans communs
    Train every rep in value selling | Former chaque commercial à la vente de valeur
    Use one CRM across the sales team | Utiliser un seul CRM dans toute l'équipe commerciale
    Strengthen the employer brand | Renforcer la marque employeur
    Median quote lead time | Délai médian de devis
    Web conversion rate | Taux de conversion web
    Reps trained | Commerciaux formés
    Opportunities logged in CRM | Opportunités saisies dans le CRM
    Applications per opening | Candidatures par poste ouvert
    Office manager, small business | Office manager, petite entreprise
    Key-account procurement buyer | Acheteur grands comptes
    Facility manager, multi-site | Responsable des services généraux, multisite
    Keep the office supplied and working | Garder le bureau approvisionné et opérationnel
    Replace a broken printer or chair fast | Remplacer vite une imprimante ou une chaise en panne
    A broken printer or PC stops the whole team | Une imprimante ou un PC en panne arrête toute l'équipe
    Furniture and IT are a large upfront cash outlay | Le mobilier et l'informatique coûtent cher à l'achat
    Toner and paper costs keep rising | Le coût du toner et du papier ne cesse d'augmenter
    Replacement on site within 24 hours | Remplacement sur site sous 24 heures
    Monthly payments instead of a lump sum | Des mensualités plutôt qu'un paiement unique
    Advice from someone who knows small offices | Les conseils de quelqu'un qui connaît les petits bureaux
    Equip new offices and moves on time | Équiper les nouveaux bureaux et les déménagements à temps
    Standardise equipment and supplies across sites | Harmoniser équipements et fournitures entre les sites
    Prices differ from one site to the next | Les prix diffèrent d'un site à l'autre
    Late deliveries delay office moves | Les retards de livraison retardent les déménagements
    No consolidated view of spend | Aucune vue consolidée des dépenses
    One national price list and framework contract | Un tarif national et un contrat-cadre
    Online ordering with approval workflow | Commande en ligne avec circuit de validation
    Dedicated key-account manager | Un responsable grands comptes dédié
    Run compliant supplier tenders | Mener des appels d'offres fournisseurs conformes
    Keep buildings clean, safe and equipped | Garder les bâtiments propres, sûrs et équipés
    Tender files are long to prepare and compare | Les dossiers d'appel d'offres sont longs à préparer et à comparer
    Safety inspections find faulty or missing equipment | Les contrôles de sécurité relèvent des équipements défectueux ou manquants
    Budgets are frozen mid-year | Les budgets sont gelés en cours d'année
    Eco-label and carbon data for the CSR report | Écolabels et données carbone pour le rapport RSE
    Service contract with guaranteed uptime | Contrat de service avec disponibilité garantie
    Staff trained on ergonomics and safe use | Personnel formé à l'ergonomie et à l'utilisation sûre
    One catalogue of furniture, IT, consumables, hygiene and safety supplies | Un seul catalogue : mobilier, informatique, consommables, hygiène et sécurité
    Maintenance contracts for printers and IT equipment | Contrats de maintenance pour les imprimantes et le matériel informatique
    48-hour on-site repair or replacement by own technicians | Réparation ou remplacement sur site en 48 heures par nos techniciens
    Leasing and rental with purchase option | Location et location avec option d'achat
    Print and consumables audit with eco-labelled options | Audit de l'impression et des consommables avec options écolabellisées
    Move and roll-out planning for multi-site offices | Planification des déménagements et déploiements multisites
    Workplace advisers trained in ergonomics and IT | Conseillers formés à l'ergonomie et à l'informatique
    Framework agreements with national pricing | Contrats-cadres à tarif national
    Tender-ready technical and CSR files | Dossiers techniques et RSE prêts pour les appels d'offres
    Uptime-guaranteed service level | Niveau de service à disponibilité garantie
    Loyalty points on paper and toner | Points de fidélité sur le papier et le toner
    small businesses and multi-site companies | les petites entreprises et les entreprises multisites
    cannot afford an office that stops for want of a printer, a desk or toner | ne peuvent pas se permettre un bureau à l'arrêt faute d'imprimante, de bureau ou de toner
    full-service office equipment and supplies partner | partenaire complet en équipement et fournitures de bureau
    keeps offices running with one catalogue, leasing and 48-hour service | fait tourner les bureaux avec un seul catalogue, la location et un service en 48 heures
    online marketplaces and office superstores | les places de marché en ligne et les grandes surfaces de bureautique
    Price level | Niveau de prix
    Catalogue breadth | Largeur du catalogue
    Delivery speed | Rapidité de livraison
    Workplace advice | Conseil en aménagement
    After-sales service | Service après-vente
    Financing options | Solutions de financement
    Online ordering | Commande en ligne
    CSR and eco-label expertise | Expertise RSE et écolabels
    Compliance | Conformité
    Key accounts | Grands comptes
    Sales training | Formation commerciale
    Marketing automation | Automatisation marketing
    Events | Événements
    Reseller network | Réseau de revendeurs
    Sales ops | Administration des ventes
    Key account manager | Responsable grands comptes
    Marketing manager | Responsable marketing
    Set commercial targets | Fixer les objectifs commerciaux
    Key-account plans | Plans grands comptes
    Quarterly price-list review | Revue trimestrielle du tarif
    Web lead qualification rules | Règles de qualification des pistes web
    Customer master data quality | Qualité du référentiel clients
    Trade-show calendar | Calendrier des salons
    Monthly pipeline review | Revue mensuelle du pipeline
    Qualified leads per rep per month | Pistes qualifiées par commercial et par mois
    Cost per lead | Coût par piste
    Quote-to-order rate | Taux de transformation des devis
    Sales cycle | Cycle de vente
    Share of revenue under contract | Part du chiffre d'affaires sous contrat
    Average discount granted | Remise moyenne accordée
    On-time delivery rate | Taux de livraison à l'heure
    Service intervention lead time | Délai d'intervention du service
    GDPR consent in the CRM | Consentement RGPD dans le CRM
    Price display compliance | Conformité de l'affichage des prix
    Hire two key-account managers | Recruter deux responsables grands comptes
    Account plans for the top 50 companies | Plans de compte pour les 50 premières entreprises
    Workplace-solution selling training | Formation à la vente de solutions d'aménagement
    Fit-out quote follow-up routine | Relance systématique des devis d'aménagement
    B2B web shop with approval workflow | Boutique en ligne B2B avec circuit de validation
    Online office fit-out configurator | Configurateur d'aménagement de bureaux en ligne
    Reorder reminders for consumables | Rappels de réassort pour les consommables
    Lead scoring | Notation des pistes
    Workplace trade-show stand | Stand au salon de l'aménagement de bureaux
    Showroom open days | Portes ouvertes des salles d'exposition
    Regional reseller recruitment | Recrutement de revendeurs régionaux
    Reseller extranet | Extranet revendeurs
"""

_ALL = dict((part.strip() for part in line.split(" | ")) for line in _PAIRS.strip().splitlines())
#: English text of the sample workshop -> its French text
FRENCH: dict[str, str] = {en: fr for en, fr in _ALL.items() if "{n}" not in en}
#: texts holding a number computed from the data (``Grow revenue by {n} % ...``)
NUMBERED: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile("^" + re.escape(en).replace(re.escape("{n}"), r"(?P<n>[\d.,-]+)") + "$"), fr)
    for en, fr in _ALL.items()
    if "{n}" in en
)


def french(text: str) -> str | None:
    """The French version of one English text of the sample, or None."""
    if text in FRENCH:
        return FRENCH[text]
    for pattern, fr in NUMBERED:
        match = pattern.match(text)
        if match:
            return fr.replace("{n}", match["n"].replace(".", ","))
    return None


def in_language(frames: dict[str, pd.DataFrame], language: str) -> dict[str, pd.DataFrame]:
    """The sample tables with their workshop text in ``language`` (``en`` returns them as
    they are). Text without a French version stays English; see ``untranslated``."""
    if language == "en":
        return frames
    out = dict(frames)
    for table, columns in TEXT_COLUMNS.items():
        if table not in out:
            continue
        frame = out[table].copy()
        for column in columns:
            if column in frame:
                frame[column] = (
                    frame[column]
                    .map(lambda v: (french(v) or v) if isinstance(v, str) else v)
                    .astype(frame[column].dtype)
                )
        out[table] = frame
    return out


def untranslated(frames: dict[str, pd.DataFrame]) -> list[str]:
    """The English workshop texts of ``frames`` that have no French version."""
    missing = set()
    for table, columns in TEXT_COLUMNS.items():
        for column in columns:
            if table in frames and column in frames[table]:
                values = frames[table][column].dropna()
                missing |= {v for v in values if isinstance(v, str) and french(v) is None}
    return sorted(missing)


__all__ = ["FRENCH", "NUMBERED", "TEXT_COLUMNS", "french", "in_language", "untranslated"]
