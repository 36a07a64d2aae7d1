// Labels of markets, selections and market states in French (home page, my bets).

export const SELECTION_LABELS = { home: 'Domicile', draw: 'Nul', away: 'Extérieur', over: 'Plus', under: 'Moins' };
export const MARKET_STATES = {
  open: 'ouvert',
  suspended: 'suspendu',
  closed: 'fermé',
  inactive: 'pas encore ouvert',
  resulted: 'résultat connu',
  settled: 'réglé',
  voided: 'annulé',
};

export function marketLabel(definition) {
  switch (definition.type) {
    case 'match-winner':
      return 'Vainqueur du match (1N2)';
    case 'total-goals':
      return `Nombre de buts (${String(definition.line).replace('.', ',')})`;
    case 'handicap':
      return `Handicap (${definition.line > 0 ? '+' : ''}${String(definition.line).replace('.', ',')})`;
    case 'race-win':
      return 'Gagnant';
    case 'race-place':
      return `Placé (${definition.places} premiers)`;
    default:
      return definition.type;
  }
}

export function selectionLabel(event, selection) {
  if (event.runners && /^\d+$/.test(selection.code)) {
    const runner = event.runners[Number(selection.code) - 1];
    if (runner) return `${selection.code}. ${typeof runner === 'string' ? runner : (runner.name ?? selection.code)}`;
  }
  return SELECTION_LABELS[selection.code] ?? selection.label ?? selection.code;
}
