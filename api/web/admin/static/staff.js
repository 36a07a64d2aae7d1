import { currentStaff, h, staffRefusalCode } from '/static/app.js';

/**
 * The signed-in staff member, or null after replacing the page's content by a sign-in invitation
 * (the page's JSON calls would all answer 401), or, for a staff session without the role
 * (403 KYC_STAFF_FORBIDDEN), by a "not allowed" message. Every staff page awaits it first.
 */
export async function requireStaff() {
  const me = await currentStaff().catch(() => null);
  if (me) return me;
  const main = document.getElementById('main');
  for (const node of [...main.children]) if (node.tagName !== 'H1' && node.id !== 'problem') node.hidden = true;
  if (staffRefusalCode() === 'KYC_STAFF_FORBIDDEN') {
    // Signed in, but the staff account lacks the role the page's routes need: signing in again would not help.
    main.append(
      h(
        'p',
        { id: 'staff-forbidden', class: 'notice', role: 'alert', 'data-error-code': 'KYC_STAFF_FORBIDDEN' },
        'Votre compte du personnel n’a pas le rôle requis pour cette page : accès non autorisé. ',
        h('a', { href: '/admin/auth/login' }, 'Se connecter avec un autre compte'),
        '.',
      ),
    );
    return null;
  }
  main.append(
    h(
      'p',
      { id: 'staff-signin', class: 'notice' },
      'Cette page est réservée au personnel. ',
      h('a', { href: '/admin/auth/login' }, 'Se connecter'),
      '.',
    ),
  );
  return null;
}
