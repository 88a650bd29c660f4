/** German texts (the default language). Defines the key set; en.ts has the same keys. */
export const de = {
  'nav.skip': 'Zum Inhalt springen',
  'nav.account': 'Konto und Sprache',
  'nav.language': 'Sprache',
  'nav.logout': 'Abmelden',
  'language.de': 'Deutsch',
  'language.en': 'Englisch',
  'common.on': 'an',
  'common.off': 'aus',

  'home.lead':
    'Sieh, über welchen Einladungslink jedes Mitglied gekommen ist, belohne Einladende mit XP und stelle Einladungs-Log, DMs und Vorlagen für deinen Server ein.',
  'home.login': 'Mit Discord anmelden',
  'home.scopes':
    'Wir fragen Discord nur nach deinem Profil und deiner Serverliste (identify, guilds), um zu prüfen, welche Server du verwalten darfst.',
  'home.loginCancelled': 'Die Anmeldung wurde abgebrochen.',
  'home.loginFailed':
    'Die Anmeldung bei Discord ist fehlgeschlagen. Bitte versuche es noch einmal.',
  'login.badState':
    'Die Anmeldung ist abgelaufen oder wurde nicht hier begonnen. Bitte melde dich noch einmal an.',

  'servers.title': 'Deine Server',
  'servers.lead':
    'Server, die du besitzt oder auf denen du „Administrator“ oder „Server verwalten“ hast.',
  'servers.withBot': 'Mit Bot',
  'servers.withoutBot': 'Bot fehlt',
  'servers.noneWithBot': 'Auf keinem deiner Server ist der Bot bisher.',
  'servers.noneWithoutBot': 'Der Bot ist auf allen Servern, die du verwaltest.',
  'servers.manage': 'Verwalten',
  'servers.invite': 'Bot einladen',
  'servers.intentNote':
    'Der Bot braucht den privilegierten Intent „Server Members“ (im Developer Portal unter Bot aktivieren) und die Berechtigungen Kanäle ansehen, Nachrichten senden, Links einbetten, Server verwalten, Kanäle verwalten und Audit-Log anzeigen.',

  'guild.nav.label': 'Serverbereiche',
  'guild.nav.overview': 'Übersicht',
  'guild.nav.settings': 'Invite System → Basiseinstellungen',
  'guild.nav.codes': 'Ausgeschlossene Codes',
  'guild.nav.leaderboard': 'Rangliste',
  'guild.nav.history': 'Beitrittsverlauf',
  'guild.botMissing': 'Der Bot ist nicht (mehr) auf diesem Server.',

  'overview.recent': 'Beitritte der letzten 7 Tage',
  'overview.recentLeft': 'davon wieder gegangen: {n}',
  'overview.top': 'Top-Einladende',
  'overview.invites': '{n} Einladungen',
  'overview.toLeaderboard': 'Ganze Rangliste',
  'overview.editSettings': 'Einstellungen ändern',

  'doctor.title': 'Berechtigungs-Check',
  'doctor.allGood': 'Der Bot hat alles, was er braucht.',
  'doctor.problems': 'Dem Bot fehlen Berechtigungen. So behebst du es:',
  'doctor.stored':
    'Discord war gerade nicht erreichbar; angezeigt werden die beim letzten Start gespeicherten Berechtigungen.',
  'doctor.unknown': 'Discord war gerade nicht erreichbar; die Berechtigungen sind unbekannt.',
  'doctor.manage_guild.ok': 'Server verwalten: vorhanden (Einladungen lesbar).',
  'doctor.manage_guild.missing':
    'Server verwalten fehlt: der Bot kann die Einladungen nicht lesen.',
  'doctor.manage_guild.unknown': 'Server verwalten: unbekannt.',
  'doctor.manage_guild.fix':
    'Servereinstellungen → Rollen → Rolle des Bots → „Server verwalten“ einschalten.',
  'doctor.manage_channels.ok': 'Kanäle verwalten: vorhanden (Einladungs-Ereignisse kommen an).',
  'doctor.manage_channels.missing':
    'Kanäle verwalten fehlt: neue und gelöschte Einladungen werden nicht gemeldet.',
  'doctor.manage_channels.unknown': 'Kanäle verwalten: unbekannt.',
  'doctor.manage_channels.fix':
    'Servereinstellungen → Rollen → Rolle des Bots → „Kanäle verwalten“ einschalten.',
  'doctor.view_audit_log.ok': 'Audit-Log anzeigen: vorhanden (aufgebrauchte Codes bestätigbar).',
  'doctor.view_audit_log.missing':
    'Audit-Log anzeigen fehlt (empfohlen): aufgebrauchte Einladungen lassen sich nicht bestätigen.',
  'doctor.view_audit_log.unknown': 'Audit-Log anzeigen: unbekannt.',
  'doctor.view_audit_log.fix':
    'Servereinstellungen → Rollen → Rolle des Bots → „Audit-Log anzeigen“ einschalten.',
  'doctor.log_channel.ok': 'Log-Kanal #{channel}: der Bot kann dort schreiben.',
  'doctor.log_channel.off': 'Kein Log-Kanal eingestellt: das Einladungs-Log ist aus.',
  'doctor.log_channel.gone': 'Der eingestellte Log-Kanal existiert nicht mehr.',
  'doctor.log_channel.unknown': 'Log-Kanal: Berechtigungen unbekannt.',
  'doctor.log_channel.no_view': 'Log-Kanal #{channel}: der Bot kann den Kanal nicht sehen.',
  'doctor.log_channel.no_send': 'Log-Kanal #{channel}: der Bot darf dort keine Nachrichten senden.',
  'doctor.log_channel.fix_off': 'Wähle in den Basiseinstellungen einen Log-Kanal.',
  'doctor.log_channel.fix_gone': 'Wähle in den Basiseinstellungen einen anderen Log-Kanal.',
  'doctor.log_channel.fix_no_view':
    'Kanal bearbeiten → Berechtigungen → Rolle des Bots: „Kanal ansehen“ erlauben.',
  'doctor.log_channel.fix_no_send':
    'Kanal bearbeiten → Berechtigungen → Rolle des Bots: „Nachrichten senden“ erlauben.',

  'audit.title': 'Letzte Änderungen',
  'audit.empty': 'Noch keine Änderungen im Dashboard.',
  'audit.settings': 'Einstellungen geändert ({fields})',
  'audit.exclude': 'Code {code} ausgeschlossen',
  'audit.include': 'Code {code} wieder zugelassen',
  'audit.resolve': 'Beitritt {join} zugeordnet (Code {code})',

  'settings.title': 'Basiseinstellungen',
  'settings.lead': 'Einladungs-Log, DMs an Einladende, XP und die Texte des Bots.',
  'settings.section.log': 'Einladungs-Log',
  'settings.section.inviters': 'Einladende',
  'settings.section.templates': 'Nachrichtenvorlagen',
  'settings.field.logChannelId': 'Log-Kanal',
  'settings.field.dmInviter': 'Einladende per DM benachrichtigen',
  'settings.field.xpPerInvite': 'XP pro Einladung',
  'settings.field.locale': 'Sprache der Bot-Nachrichten',
  'settings.field.logTemplate': 'Log-Nachricht (eindeutiger Beitritt)',
  'settings.field.logTemplateUndecided': 'Log-Nachricht (nicht zuordenbarer Beitritt)',
  'settings.field.dmTemplate': 'DM an Einladende',
  'settings.field.fakeLogTemplate': 'Log-Nachricht (Beitritt als Fake gewertet)',
  'settings.field.leaveTemplate': 'Log-Nachricht (Mitglied hat den Server verlassen)',
  'settings.logOff': '— Kein Log (aus) —',
  'settings.logChannelHint': 'Text- und Ankündigungskanäle dieses Servers.',
  'settings.channelsUnavailable':
    'Die Kanalliste ist gerade nicht verfügbar (Discord nicht erreichbar); der bisherige Kanal bleibt wählbar.',
  'settings.unknownChannel': 'Unbekannter Kanal ({id})',
  'settings.xpHint': 'Ganze Zahl von 0 bis {max}; 0 schaltet XP aus.',
  'settings.templatesHint':
    'Platzhalter in geschweiften Klammern werden beim Senden ersetzt. Unveränderte Standardtexte folgen der Sprache.',
  'settings.placeholders': 'Platzhalter:',
  'settings.length': '{n} von {max} Zeichen',
  'settings.isDefault': 'Standardtext',
  'settings.reset': 'Auf Standardtext zurücksetzen',
  'settings.preview': 'Vorschau',
  'settings.reasonSample': 'Beispiel für {placeholder}: „{text}“',
  'settings.save': 'Speichern',
  'settings.saved':
    'Gespeichert. Der Bot verwendet die neuen Einstellungen ab dem nächsten Beitritt.',
  'settings.notSaved': 'Nichts gespeichert. Bitte korrigiere:',
  'settings.error.channelInvalid': 'Das ist keine gültige Kanal-ID.',
  'settings.error.channelNotInGuild':
    'Dieser Kanal gehört nicht zu diesem Server oder ist kein Textkanal.',
  'settings.error.channelsUnavailable':
    'Die Kanalliste ist nicht verfügbar; ein neuer Kanal kann gerade nicht geprüft werden.',
  'settings.error.xpNumber': 'Bitte eine ganze Zahl von 0 bis {max} eingeben.',
  'settings.error.xpRange': 'Höchstens {max} XP.',
  'settings.error.locale': 'Bitte Deutsch oder Englisch wählen.',
  'settings.error.templateEmpty': 'Die Vorlage darf nicht leer sein.',
  'settings.error.templateTooLong': 'Höchstens {max} Zeichen (jetzt {length}).',
  'settings.error.templateUnknown': 'Unbekannte Platzhalter: {names}.',
  'settings.error.generic': 'Die Eingaben konnten nicht geprüft werden.',

  'placeholder.member': 'das neue Mitglied',
  'placeholder.inviter': 'wer eingeladen hat',
  'placeholder.count': 'Gesamtzahl der Einladungen (regulär + Bonus − Fake)',
  'placeholder.regular': 'eingeladene Mitglieder, die noch da sind',
  'placeholder.left': 'eingeladene Mitglieder, die wieder gegangen sind',
  'placeholder.fake': 'als Fake gewertete Mitglieder',
  'placeholder.bonus': 'Bonus-Einladungen',
  'placeholder.flags': 'warum der Beitritt als Fake gilt',
  'placeholder.code': 'Einladungscode',
  'placeholder.xp': 'vergebene XP',
  'placeholder.guild': 'Servername',
  'placeholder.reason': 'warum es unklar ist',
  'preview.member': 'Neues Mitglied',
  'preview.inviter': 'Einladende Person',

  'codes.title': 'Ausgeschlossene Codes',
  'codes.lead':
    'Beitritte über ausgeschlossene Codes werden weiter aufgezeichnet, aber ohne Log-Nachricht, DM und XP.',
  'codes.current': 'Aktuelle Einladungen',
  'codes.none': 'Keine Einladungen gespeichert (der Bot hat sie noch nicht gelesen).',
  'codes.code': 'Code',
  'codes.inviter': 'Erstellt von',
  'codes.channel': 'Kanal',
  'codes.uses': 'Nutzungen',
  'codes.status': 'Ausschluss',
  'codes.badge': 'ausgeschlossen',
  'codes.exclude': 'Ausschließen',
  'codes.include': 'Wieder zulassen',
  'codes.excludeLabel': 'Code {code} ausschließen',
  'codes.includeLabel': 'Code {code} wieder zulassen',
  'codes.excluded': 'Code {code} ist jetzt ausgeschlossen.',
  'codes.included': 'Code {code} ist wieder zugelassen.',
  'codes.manual': 'Code von Hand ausschließen',
  'codes.manualLabel': 'Einladungscode oder -link',
  'codes.manualHint':
    'z. B. abc123 oder discord.gg/abc123 – auch für Codes, die es noch nicht gibt.',
  'codes.other': 'Weitere ausgeschlossene Codes',
  'codes.error.invalid':
    'Das ist kein Einladungscode (2–32 Buchstaben, Ziffern oder Bindestriche).',

  'leaderboard.title': 'Rangliste',
  'leaderboard.lead':
    'Einladungen = eingeladene Mitglieder, die noch auf dem Server sind. Gleiche Zahl, gleicher Rang.',
  'leaderboard.empty': 'Noch niemand hat jemanden eingeladen.',
  'leaderboard.rank': 'Rang',
  'leaderboard.inviter': 'Einladende Person',
  'leaderboard.invites': 'Einladungen',
  'leaderboard.leaves': 'Wieder gegangen',
  'leaderboard.joins': 'Beitritte gesamt',

  'history.title': 'Beitrittsverlauf',
  'history.chartTitle': 'Beitritte pro Tag (Top-Codes, 30 Tage)',
  'history.chartEmpty': 'In den letzten 30 Tagen gab es keine Beitritte über Codes.',
  'history.chartLabel': 'Liniendiagramm der Beitritte pro Tag für die Codes {codes}',
  'history.chartCaption': 'Tage in UTC. Die Werte stehen auch in der Tabelle darunter.',
  'history.chartTable': 'Als Tabelle anzeigen',
  'history.day': 'Tag',
  'history.listTitle': 'Beitritte',
  'history.filter.outcome': 'Ergebnis',
  'history.filter.all': 'Alle',
  'history.filter.code': 'Code',
  'history.filter.inviter': 'Einladende Person',
  'history.filter.inviterHint': 'Discord-ID oder Name',
  'history.filter.apply': 'Filtern',
  'history.filter.clear': 'Filter zurücksetzen',
  'history.count': '{n} Beitritte',
  'history.countCapped': 'mehr als {n} Beitritte',
  'history.export': 'Als CSV exportieren',
  'history.empty': 'Keine Beitritte für diesen Filter.',
  'history.left': 'wieder gegangen',
  'history.resolvedBadge': 'von Admin zugeordnet',
  'history.resolve': 'Zuordnen',
  'history.resolveLabel': 'Beitritt von {member} zuordnen',
  'history.col.time': 'Zeit (UTC)',
  'history.col.member': 'Mitglied',
  'history.col.outcome': 'Ergebnis',
  'history.col.reason': 'Begründung',
  'history.col.code': 'Code',
  'history.col.inviter': 'Eingeladen von',
  'history.col.actions': 'Aktionen',
  'history.note':
    'Nicht eindeutige und unbekannte Beitritte kannst du über „Zuordnen“ selbst einem Code oder einer Person zuweisen.',

  'resolve.title': 'Beitritt zuordnen',
  'resolve.back': '← Zurück zum Verlauf',
  'resolve.lead':
    'Wähle den Code, über den das Mitglied kam; die einladende Person ergibt sich daraus. Ohne Code kannst du nur die einladende Person angeben.',
  'resolve.legend': 'Zuordnung',
  'resolve.code': 'Einladungscode',
  'resolve.noCode': '— Code unbekannt —',
  'resolve.candidate': 'infrage kommend',
  'resolve.inviter': 'Einladende Person (Discord-ID)',
  'resolve.inviterHint':
    'Leer lassen, wenn sie sich aus dem Code ergibt. Sonst ein Mitglied oder eine Person, die auf diesem Server schon eingeladen hat.',
  'resolve.xpNote':
    'XP gibt es wie sonst nur einmal pro Mitglied und Code (und nur mit Code). Die Zuordnung wird mit deinem Namen und der Zeit gespeichert.',
  'resolve.submit': 'Zuordnen',
  'resolve.done': 'Beitritt {id} wurde zugeordnet.',
  'resolve.error.notResolvable':
    'Dieser Beitritt ist bereits eindeutig und kann nicht zugeordnet werden.',
  'resolve.error.inviterRequired':
    'Gib die einladende Person an oder wähle einen Code mit bekanntem Ersteller.',
  'resolve.error.inviterInvalid': 'Das ist keine Discord-ID (17–20 Ziffern).',
  'resolve.error.unknownCode':
    'Diesen Code gibt es in diesem Server nicht (weder als Kandidat noch als Einladung).',
  'resolve.error.inviterMismatch':
    'Dieser Code gehört einer anderen Person; lass das Feld leer oder wähle den passenden Code.',
  'resolve.error.inviterSelf':
    'Das ist die Person selbst, die beigetreten ist: Sie kann sich nicht selbst eingeladen haben.',
  'resolve.error.inviterUnknown':
    'Diese Person ist auf diesem Server nicht bekannt, weder als Mitglied noch als einladende Person.',

  'pager.label': 'Seiten',
  'pager.prev': '← Vorherige Seite',
  'pager.next': 'Nächste Seite →',
  'pager.newer': '← Neuere',
  'pager.older': 'Ältere →',
  'pager.position': 'Seite {page} von {pages}',

  'error.back': 'Zu deinen Servern',
  'error.401.title': 'Bitte anmelden',
  'error.401.text': 'Deine Sitzung ist abgelaufen. Bitte melde dich erneut an.',
  'error.403.title': 'Kein Zugriff',
  'error.403.text':
    'Du brauchst auf diesem Server „Server verwalten“ oder „Administrator“ (oder musst ihn besitzen).',
  'error.404.title': 'Nicht gefunden',
  'error.404.text': 'Diese Seite gibt es nicht.',
  'error.500.title': 'Fehler',
  'error.500.text': 'Etwas ist schiefgegangen. Bitte versuche es später noch einmal.',
  'error.discord.title': 'Discord nicht erreichbar',
  'error.discord.text':
    'Deine Berechtigungen konnten nicht bei Discord geprüft werden. Bitte versuche es gleich noch einmal.',
  'config.title': 'Dashboard nicht eingerichtet',
  'config.text': 'Diese Einstellungen fehlen oder sind ungültig (Umgebungsvariablen):',
  'db.title': 'Datenbank nicht verfügbar',
  'db.text': 'Die Datenbank ist gerade nicht erreichbar. Bitte versuch es gleich noch einmal.',
  'settings.section.fairPlay': 'Fair Play',
  'settings.fairPlayHint':
    'Damit Zweitkonten niemanden an die Spitze der Rangliste bringen: Fake-Beitritte werden aufgezeichnet und im Log markiert, bringen aber keine XP und zählen nicht zur Gesamtzahl ({count} = regulär + Bonus − Fake). Im Beitrittsverlauf kannst du die Markierung einzelner Beitritte aufheben.',
  'settings.field.fakeAccountAge': 'Neue Konten als Fake werten',
  'settings.field.fakeMinAccountAgeDays': 'Mindestalter des Kontos (Tage)',
  'settings.fakeMinAccountAgeDaysHint':
    '1 bis {max} Tage, abgelesen aus der Discord-ID. Standard 7: Zweitkonten werden meist kurz vor dem Beitritt angelegt.',
  'settings.field.fakeNoAvatar': 'Konten ohne Profilbild als Fake werten',
  'settings.field.fakeRejoin':
    'Erneute Beitritte als Fake werten (das Mitglied war schon einmal hier)',
  'settings.field.fakeSelfInvite': 'Selbsteinladungen als Fake werten (bringen ohnehin nie XP)',
  'settings.field.fakeMode': 'Wann gilt ein Beitritt als Fake?',
  'settings.fakeMode.any': 'sobald eines der gewählten Merkmale zutrifft',
  'settings.fakeMode.all': 'erst wenn alle gewählten Merkmale zutreffen',
  'settings.field.minStayDays': 'Mindestaufenthalt vor der Belohnung (Tage)',
  'settings.minStayHint':
    '0 bis {max}; 0 = sofort. Bis dahin steht der Beitritt auf „Belohnung ausstehend“ und zählt noch nicht als regulär; wer vorher geht, bringt keine XP.',
  'settings.field.requiredRoleId': 'Erforderliche Rolle vor der Belohnung',
  'settings.requiredRoleNone': 'keine',
  'settings.requiredRoleHint':
    'Zum Beispiel „Verifiziert“: sobald das Mitglied die Rolle bekommt, gibt es die XP. Der Bot braucht dafür nicht „Rollen verwalten“, nur den Server-Members-Intent, den er ohnehin hat; die Rolle muss unter seiner höchsten Rolle stehen.',
  'settings.rolesUnavailable':
    'Discord war nicht erreichbar, die Rollenliste fehlt: gespeichert werden kann nur „keine“ oder die bisherige Rolle.',
  'settings.field.leaveMessage': 'Nachricht im Log-Kanal, wenn ein Mitglied den Server verlässt',
  'settings.field.xpTakeBackDays': 'XP zurücknehmen, wenn das Mitglied innerhalb von … Tagen geht',
  'settings.xpTakeBackHint':
    '0 bis {max}; 0 = die XP bleiben (wie bisher). Ein erneuter Beitritt über denselben Code bringt nie noch einmal XP.',
  'settings.needsTitle': 'Was diese Optionen brauchen',
  'settings.needs.requiredRole':
    'Erforderliche Rolle: Rollenänderungen erreichen den Bot über den Server-Members-Intent; die Rolle muss für den Bot sichtbar sein und unter seiner höchsten Rolle stehen. „Rollen verwalten“ ist nicht nötig.',
  'settings.needs.leaveMessage':
    'Verlassen-Nachricht: ein Log-Kanal, in dem der Bot schreiben darf.',
  'settings.needs.minStay':
    'Mindestaufenthalt: nichts Zusätzliches; die Fälligkeit steht in der Datenbank und überlebt Neustarts.',
  'settings.error.daysRange': 'Bitte eine ganze Zahl von {min} bis {max} eingeben.',
  'settings.error.fakeMode': 'Bitte „eines“ oder „alle“ wählen.',
  'settings.error.roleInvalid': 'Das ist keine gültige Rollen-ID.',
  'settings.error.roleEveryone': '@everyone hat jedes Mitglied; bitte eine echte Rolle wählen.',
  'settings.error.roleNotFound':
    'Diese Rolle gibt es in diesem Server nicht, oder der Bot kann sie nicht sehen.',
  'settings.error.roleAboveBot':
    'Die Rolle „{role}“ steht über der höchsten Rolle des Bots. Schiebe die Bot-Rolle in den Servereinstellungen darüber oder wähle eine andere Rolle.',
  'settings.error.rolesUnavailable':
    'Discord war nicht erreichbar, die Rolle konnte nicht geprüft werden. Bitte gleich noch einmal versuchen.',
  'doctor.required_role.ok':
    'Erforderliche Rolle @{role}: der Bot sieht sie, sie steht unter seiner Rolle.',
  'doctor.required_role.gone':
    'Die erforderliche Rolle gibt es nicht mehr: Belohnungen warten, bis du eine andere wählst.',
  'doctor.required_role.above':
    'Die erforderliche Rolle @{role} steht über der höchsten Rolle des Bots.',
  'doctor.required_role.unknown': 'Erforderliche Rolle: unbekannt.',
  'doctor.required_role.fix_gone':
    'Wähle in den Basiseinstellungen eine andere Rolle oder „keine“.',
  'doctor.required_role.fix_above':
    'Schiebe die Bot-Rolle in den Servereinstellungen über diese Rolle.',
  'history.filter.flag': 'Fair Play',
  'history.flag.fake': 'als Fake gewertet',
  'history.flag.reward_pending': 'Belohnung ausstehend',
  'history.flag.account_age': 'Konto zu neu',
  'history.flag.no_avatar': 'kein Profilbild',
  'history.flag.rejoin': 'erneuter Beitritt',
  'history.flag.self_invite': 'selbst eingeladen',
  'history.fakeBadge': 'Fake',
  'history.rewardPendingBadge': 'Belohnung ausstehend',
  'history.rewardForfeitedBadge': 'keine Belohnung (zu früh gegangen)',
  'history.reviewFake': 'Fake prüfen',
  'history.reviewFakeLabel': 'Fake-Markierung von {member} prüfen',
  'fake.title': 'Als Fake gewertet',
  'fake.flags': 'Zutreffende Merkmale: {flags}.',
  'fake.clearHint':
    'Hebst du die Markierung auf, zählt der Beitritt als regulär. XP gibt es nach denselben Regeln wie sonst: höchstens einmal pro Code und Mitglied, und erst nach Mindestaufenthalt und Rolle, falls eingestellt.',
  'fake.clear': 'Fake-Markierung aufheben',
  'fake.cleared': 'Die Fake-Markierung von Beitritt {id} ist aufgehoben.',
  'fake.error.notFake': 'Dieser Beitritt ist nicht (mehr) als Fake markiert.',
  'audit.clearFake': 'Fake-Markierung von Beitritt {join} aufgehoben',
  'overview.recentFake': 'als Fake gewertet: {n}',
  'overview.recentRewardPending': 'Belohnung ausstehend: {n}',
  'leaderboard.regular': 'Regulär',
  'leaderboard.fake': 'Fake',
  'leaderboard.bonus': 'Bonus',
  'leaderboard.pending': 'Ausstehend',
} as const;
