import { router } from '../../trpc/procedures.js';
import { addGroupMember } from './add-group-member.js';
import { createGroup } from './create-group.js';
import { deleteGroup } from './delete-group.js';
import { getGroup } from './get-group.js';
import { listGroupMembers } from './list-group-members.js';
import { listGroups } from './list-groups.js';
import { removeGroupMember } from './remove-group-member.js';
import { updateGroup } from './update-group.js';

export const groupsRouter = router({
  list: listGroups,
  get: getGroup,
  create: createGroup,
  update: updateGroup,
  delete: deleteGroup,
  listMembers: listGroupMembers,
  addMember: addGroupMember,
  removeMember: removeGroupMember,
});
