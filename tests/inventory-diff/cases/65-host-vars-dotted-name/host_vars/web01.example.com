ansible_user: dotted
