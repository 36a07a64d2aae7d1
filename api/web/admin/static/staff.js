import { currentStaff, h } from '/static/app.js';

/**
 * The signed-in staff member, or null after replacing the page's content by a sign-in invitation
 * (the page's JSON calls would all answer 401). Every staff page awaits it first.
 */
export async function requireStaff() {
  const me = await currentStaff().catch(() => null);
  if (me) return me;
  const main = document.getElementById('main');
  for (const node of [...main.children]) if (node.tagName !== 'H1' && node.id !== 'problem') node.hidden = true;
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
