import { whenReady } from '/static/app.js';
import { requireStaff } from '/static/admin/staff.js';

whenReady(requireStaff());
